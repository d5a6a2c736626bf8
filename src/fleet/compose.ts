// Docker compose generation for a GPU host: one ere-server container per GPU, or a ZisK cluster
// (coordinator + one worker per GPU behind one ere-server). Pure: returns the document; the CLI writes it.
import { stringify } from "yaml";
import { EproofError } from "../util/errors.ts";
import { ZKVMS, type Zkvm } from "./config.ts";

export type ComposeLayout = "per-gpu" | "zisk-cluster";

export interface ComposeOptions {
  zkvm: Zkvm;
  /** GPU indices or UUIDs, as nvidia-smi lists them. */
  gpus: ReadonlyArray<number | string>;
  layout: ComposeLayout;
  /** ere release, e.g. "0.11.0": image ghcr.io/eth-act/ere/ere-server-<zkvm>:<tag>-cuda. */
  ereVersion: string;
  /** Full image override (a private registry, a pinned digest). */
  image?: string;
  /** Host path of the guest ELF (one ELF = one proof type), mounted read-only. */
  elfPath: string;
  /** Host port of the first server; servers take consecutive ports. */
  basePort: number;
  /** Host address the ports are published on; 127.0.0.1 unless eproof runs on another host. */
  bindAddress: string;
  /** Warm-up before failed health checks count (ZisK needs ~300 s to load its proving keys). */
  warmupSeconds?: number;
  /** ZisK cluster commands (check them against your ZisK release). */
  coordinatorCommand?: string[];
  workerCommand?: string[];
  coordinatorPort?: number;
}

export const defaultComposeOptions = {
  layout: "per-gpu" as ComposeLayout,
  ereVersion: "0.11.0",
  basePort: 3000,
  bindAddress: "127.0.0.1",
  coordinatorPort: 50051,
};

/** Per-zkVM needs from the ere docs: SP1/ZisK want a large /dev/shm, ZisK locked memory and a long warm-up. */
const ZKVM_NEEDS: Record<Zkvm, { shmSize?: string; memlock: boolean; warmupSeconds: number }> = {
  zisk: { shmSize: "32G", memlock: true, warmupSeconds: 300 },
  sp1: { shmSize: "32G", memlock: false, warmupSeconds: 120 },
  openvm: { memlock: false, warmupSeconds: 120 },
};

/** The port an ere-server listens on inside its container. */
export const CONTAINER_PORT = 3000;
const ELF_IN_CONTAINER = "/guest/guest.elf";

type Service = Record<string, unknown>;

function gpuReservation(ids: ReadonlyArray<number | string>): Record<string, unknown> {
  return {
    resources: {
      reservations: {
        devices: [{ driver: "nvidia", device_ids: ids.map(String), capabilities: ["gpu"] }],
      },
    },
  };
}

function healthcheck(port: number, warmupSeconds: number): Record<string, unknown> {
  return {
    // curl or wget, whichever the image ships.
    test: [
      "CMD-SHELL",
      `curl -fsS http://127.0.0.1:${port}/health || wget -q -O /dev/null http://127.0.0.1:${port}/health || exit 1`,
    ],
    interval: "15s",
    timeout: "5s",
    retries: 3,
    start_period: `${warmupSeconds}s`,
  };
}

function ulimits(memlock: boolean): Record<string, unknown> {
  return {
    nofile: { soft: 1048576, hard: 1048576 },
    ...(memlock ? { memlock: { soft: -1, hard: -1 } } : {}),
  };
}

function validate(opts: ComposeOptions): void {
  if (opts.gpus.length === 0)
    throw new EproofError("BAD_INPUT", "no GPUs given: pass --gpus 0,1,… or run on a host with nvidia-smi");
  if (new Set(opts.gpus.map(String)).size !== opts.gpus.length) {
    throw new EproofError("BAD_INPUT", `a GPU is listed twice: ${opts.gpus.join(",")}`);
  }
  if (opts.layout === "zisk-cluster" && opts.zkvm !== "zisk") {
    throw new EproofError(
      "BAD_INPUT",
      `the cluster layout is ZisK-only; ${opts.zkvm} runs one server per GPU`,
    );
  }
  const last = opts.basePort + (opts.layout === "per-gpu" ? opts.gpus.length - 1 : 0);
  if (!Number.isInteger(opts.basePort) || opts.basePort < 1 || last > 65535) {
    throw new EproofError("BAD_INPUT", `ports ${opts.basePort}..${last} are not valid TCP ports`);
  }
  if (!opts.elfPath) throw new EproofError("BAD_INPUT", "the guest ELF path is required (--elf)");
  if (!/^[A-Za-z0-9._-]+$/.test(opts.ereVersion)) {
    throw new EproofError("BAD_INPUT", `ere version "${opts.ereVersion}" is not an image tag`);
  }
}

/** Endpoints the generated file exposes, for the fleet config. */
export interface ComposedEndpoint {
  service: string;
  url: string;
  gpus: Array<number | string>;
}

export interface ComposeDocument {
  document: Record<string, unknown>;
  endpoints: ComposedEndpoint[];
}

export function buildCompose(opts: ComposeOptions): ComposeDocument {
  validate(opts);
  const needs = ZKVM_NEEDS[opts.zkvm];
  const image = opts.image ?? `ghcr.io/eth-act/ere/ere-server-${opts.zkvm}:${opts.ereVersion}-cuda`;
  const warmup = opts.warmupSeconds ?? needs.warmupSeconds;
  const volumes = [`${opts.elfPath}:${ELF_IN_CONTAINER}:ro`];
  const services: Record<string, Service> = {};
  const endpoints: ComposedEndpoint[] = [];
  const common = (): Service => ({
    image,
    restart: "unless-stopped",
    ...(needs.shmSize ? { shm_size: needs.shmSize } : {}),
    ulimits: ulimits(needs.memlock),
  });
  const publicUrl = (port: number) =>
    `http://${opts.bindAddress === "0.0.0.0" ? "127.0.0.1" : opts.bindAddress}:${port}`;

  if (opts.layout === "per-gpu") {
    opts.gpus.forEach((gpu, i) => {
      const name = `ere-${opts.zkvm}-gpu${typeof gpu === "number" ? gpu : i}`;
      const port = opts.basePort + i;
      services[name] = {
        ...common(),
        command: ["--port", String(CONTAINER_PORT), "--elf-path", ELF_IN_CONTAINER, "gpu"],
        ports: [`${opts.bindAddress}:${port}:${CONTAINER_PORT}`],
        volumes,
        deploy: gpuReservation([gpu]),
        healthcheck: healthcheck(CONTAINER_PORT, warmup),
      };
      endpoints.push({ service: name, url: publicUrl(port), gpus: [gpu] });
    });
  } else {
    const coordPort = opts.coordinatorPort ?? defaultComposeOptions.coordinatorPort;
    const coordinator = "zisk-coordinator";
    services[coordinator] = {
      ...common(),
      entrypoint: opts.coordinatorCommand ?? ["zisk-coordinator", "--port", String(coordPort)],
    };
    opts.gpus.forEach((gpu, i) => {
      services[`zisk-worker-gpu${typeof gpu === "number" ? gpu : i}`] = {
        ...common(),
        entrypoint: opts.workerCommand ?? [
          "zisk-worker",
          "--coordinator-url",
          `http://${coordinator}:${coordPort}`,
        ],
        depends_on: [coordinator],
        deploy: gpuReservation([gpu]),
      };
    });
    const server = "ere-zisk-cluster";
    services[server] = {
      ...common(),
      command: [
        "--port",
        String(CONTAINER_PORT),
        "--elf-path",
        ELF_IN_CONTAINER,
        "cluster",
        "--endpoint",
        `http://${coordinator}:${coordPort}`,
      ],
      ports: [`${opts.bindAddress}:${opts.basePort}:${CONTAINER_PORT}`],
      volumes,
      depends_on: [coordinator],
      healthcheck: healthcheck(CONTAINER_PORT, warmup),
    };
    endpoints.push({ service: server, url: publicUrl(opts.basePort), gpus: [...opts.gpus] });
  }
  return { document: { services }, endpoints };
}

export function renderCompose(doc: ComposeDocument, header?: string): string {
  const lines = [
    "# Generated by `eproof gpu compose`: ere-server containers for this GPU host.",
    ...doc.endpoints.map((e) => `# endpoint ${e.service}: ${e.url} (GPUs ${e.gpus.join(",")})`),
  ];
  if (header) lines.push(`# ${header}`);
  return `${lines.join("\n")}\n${stringify(doc.document, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

// ---- verification-only hosts -------------------------------------------------------------------

/** zkVMs whose proofs eproof verifies in process (src/proving/backends/sp1.ts): no server needed. */
export const IN_PROCESS_VERIFIED_ZKVMS: readonly Zkvm[] = ["sp1"];

export interface VerifierServer {
  /** Proof type the guest ELF is for, e.g. "reth-zisk" (its zkVM is the name's suffix). */
  proofType: string;
  /** Host path of that guest ELF: ere-server's Verify needs the program it checks proofs of. */
  elfPath: string;
}

export interface VerifyOnlyComposeOptions {
  servers: readonly VerifierServer[];
  ereVersion: string;
  image?: (zkvm: Zkvm) => string;
  basePort: number;
  bindAddress: string;
  warmupSeconds?: number;
}

export interface VerifyOnlyComposeDocument extends ComposeDocument {
  /** Proof types left out because eproof verifies them in process. */
  inProcess: string[];
  /** Proof type of each endpoint (same order), for eproof's proving.backends. */
  proofTypes: string[];
}

/** The zkVM a proof-type name runs on (`reth-zisk` → zisk), or undefined for a name without one. */
export function zkvmOfProofType(name: string): Zkvm | undefined {
  const suffix = name.split("-").at(-1);
  return (ZKVMS as readonly string[]).includes(suffix ?? "") ? (suffix as Zkvm) : undefined;
}

/**
 * A compose file of CPU ere-servers for a validator without a GPU: one per proof type whose zkVM has no
 * in-process verifier here, each answering Verify (and ProgramVk) on the CPU. Pure.
 */
export function buildVerifyOnlyCompose(opts: VerifyOnlyComposeOptions): VerifyOnlyComposeDocument {
  if (!/^[A-Za-z0-9._-]+$/.test(opts.ereVersion)) {
    throw new EproofError("BAD_INPUT", `ere version "${opts.ereVersion}" is not an image tag`);
  }
  const services: Record<string, Service> = {};
  const endpoints: ComposedEndpoint[] = [];
  const inProcess: string[] = [];
  const proofTypes: string[] = [];
  const seen = new Set<string>();
  for (const s of opts.servers) {
    const zkvm = zkvmOfProofType(s.proofType);
    if (!zkvm) {
      throw new EproofError(
        "BAD_INPUT",
        `proof type "${s.proofType}" does not name its zkVM (…-zisk, …-openvm, …-sp1)`,
      );
    }
    if (seen.has(s.proofType))
      throw new EproofError("BAD_INPUT", `proof type ${s.proofType} is listed twice`);
    seen.add(s.proofType);
    if (IN_PROCESS_VERIFIED_ZKVMS.includes(zkvm)) {
      inProcess.push(s.proofType);
      continue;
    }
    if (!s.elfPath) throw new EproofError("BAD_INPUT", `no guest ELF given for ${s.proofType}`);
    const port = opts.basePort + endpoints.length;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new EproofError("BAD_INPUT", `port ${port} is not a valid TCP port`);
    }
    const name = `ere-verify-${s.proofType}`;
    services[name] = {
      image: opts.image?.(zkvm) ?? `ghcr.io/eth-act/ere/ere-server-${zkvm}:${opts.ereVersion}`,
      restart: "unless-stopped",
      command: ["--port", String(CONTAINER_PORT), "--elf-path", ELF_IN_CONTAINER, "cpu"],
      ports: [`${opts.bindAddress}:${port}:${CONTAINER_PORT}`],
      volumes: [`${s.elfPath}:${ELF_IN_CONTAINER}:ro`],
      ulimits: ulimits(false),
      healthcheck: healthcheck(CONTAINER_PORT, opts.warmupSeconds ?? ZKVM_NEEDS[zkvm].warmupSeconds),
    };
    const host = opts.bindAddress === "0.0.0.0" ? "127.0.0.1" : opts.bindAddress;
    endpoints.push({ service: name, url: `http://${host}:${port}`, gpus: [] });
    proofTypes.push(s.proofType);
  }
  if (endpoints.length === 0 && inProcess.length === 0) {
    throw new EproofError("BAD_INPUT", "no proof types given: pass --verifier-elf <proof-type>=<guest.elf>");
  }
  return { document: { services }, endpoints, inProcess, proofTypes };
}

/** The compose text with a header saying what each server verifies and what eproof checks itself. */
export function renderVerifyOnlyCompose(doc: VerifyOnlyComposeDocument): string {
  const lines = [
    "# Generated by `eproof gpu compose --verify-only`: CPU ere-servers (no GPU) that verify proofs of",
    "# the zkVMs eproof cannot verify in process. Point eproof at them with proving.enabled: false and",
    "# proving.backends entries of kind ere (one per server below).",
    ...doc.endpoints.map((e, i) => `# endpoint ${e.service}: ${e.url} verifies ${doc.proofTypes[i] ?? "?"}`),
  ];
  if (doc.inProcess.length > 0) {
    lines.push(
      `# verified in process by eproof (proving.backends kind sp1), no server: ${doc.inProcess.join(", ")}`,
    );
  }
  const body =
    Object.keys(doc.document.services as Record<string, unknown>).length > 0
      ? stringify(doc.document, { lineWidth: 0, aliasDuplicateObjects: false })
      : "services: {}\n";
  return `${lines.join("\n")}\n${body}`;
}
