import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildCompose, type ComposeOptions, renderCompose } from "../../src/fleet/compose.ts";
import { fleetSchema } from "../../src/fleet/config.ts";
import { EproofError } from "../../src/util/errors.ts";

const base: ComposeOptions = {
  zkvm: "zisk",
  gpus: [0, 1, 2, 3, 4, 5, 6, 7],
  layout: "per-gpu",
  ereVersion: "0.11.0",
  elfPath: "/opt/guests/reth-zisk.elf",
  basePort: 3000,
  bindAddress: "127.0.0.1",
};

type Doc = { services: Record<string, Record<string, unknown>> };

describe("buildCompose", () => {
  it("writes one ere-server per GPU with device_ids, port, shm, memlock and a warm-up health check", () => {
    const { document, endpoints } = buildCompose(base);
    const doc = parse(renderCompose({ document, endpoints })) as Doc;
    const names = Object.keys(doc.services);
    expect(names).toHaveLength(8);
    const gpu3 = doc.services["ere-zisk-gpu3"];
    expect(gpu3).toMatchObject({
      image: "ghcr.io/eth-act/ere/ere-server-zisk:0.11.0-cuda",
      ports: ["127.0.0.1:3003:3000"],
      shm_size: "32G",
      ulimits: { memlock: { soft: -1, hard: -1 } },
      deploy: {
        resources: {
          reservations: { devices: [{ driver: "nvidia", device_ids: ["3"], capabilities: ["gpu"] }] },
        },
      },
      healthcheck: { start_period: "300s" },
      command: ["--port", "3000", "--elf-path", "/guest/guest.elf", "gpu"],
    });
    expect(endpoints[7]).toEqual({ service: "ere-zisk-gpu7", url: "http://127.0.0.1:3007", gpus: [7] });
  });

  it("omits shm and memlock where the zkVM does not need them", () => {
    const doc = buildCompose({ ...base, zkvm: "openvm", gpus: [0] }).document as Doc;
    const svc = doc.services["ere-openvm-gpu0"];
    expect(svc?.shm_size).toBeUndefined();
    expect(svc?.ulimits).not.toHaveProperty("memlock");
  });

  it("writes a ZisK cluster: coordinator, one worker per GPU, one ere-server", () => {
    const { document, endpoints } = buildCompose({ ...base, layout: "zisk-cluster", gpus: [0, 1, 2, 3] });
    const doc = document as Doc;
    expect(Object.keys(doc.services).sort()).toEqual(
      [
        "ere-zisk-cluster",
        "zisk-coordinator",
        "zisk-worker-gpu0",
        "zisk-worker-gpu1",
        "zisk-worker-gpu2",
        "zisk-worker-gpu3",
      ].sort(),
    );
    expect(doc.services["ere-zisk-cluster"]?.command).toEqual(
      expect.arrayContaining(["cluster", "--endpoint", "http://zisk-coordinator:50051"]),
    );
    expect(doc.services["ere-zisk-cluster"]).not.toHaveProperty("deploy");
    expect(endpoints).toEqual([
      { service: "ere-zisk-cluster", url: "http://127.0.0.1:3000", gpus: [0, 1, 2, 3] },
    ]);
  });

  it("refuses impossible layouts with clear errors", () => {
    expect(() => buildCompose({ ...base, gpus: [] })).toThrow(EproofError);
    expect(() => buildCompose({ ...base, gpus: [1, 1] })).toThrow(/listed twice/);
    expect(() => buildCompose({ ...base, zkvm: "sp1", layout: "zisk-cluster" })).toThrow(/ZisK-only/);
    expect(() => buildCompose({ ...base, basePort: 65530 })).toThrow(/not valid TCP ports/);
  });

  it("is accepted by docker compose config", (ctx) => {
    // Both layouts in one file (service names differ) so the slow compose CLI runs once.
    const perGpu = buildCompose(base);
    const cluster = buildCompose({ ...base, layout: "zisk-cluster", basePort: 4000 });
    const merged = {
      document: { services: { ...(perGpu.document as Doc).services, ...(cluster.document as Doc).services } },
      endpoints: [...perGpu.endpoints, ...cluster.endpoints],
    };
    const file = join(mkdtempSync(join(tmpdir(), "eproof-compose-")), "compose.yaml");
    writeFileSync(file, renderCompose(merged));
    let run = spawnSync("docker", ["compose", "-f", file, "config"], { encoding: "utf8" });
    if (run.error || run.status !== 0) {
      // No compose plugin: fall back to the standalone docker-compose.
      run = spawnSync("docker-compose", ["-f", file, "config"], { encoding: "utf8" });
    }
    if (run.error) {
      ctx.skip("neither `docker compose` nor `docker-compose` is installed");
      return;
    }
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/ere-zisk-gpu7/);
    expect(run.stdout).toMatch(/zisk-coordinator/);
  });
});

describe("fleetSchema", () => {
  it("accepts GPUs mapped to endpoints and a ZisK cluster", () => {
    const fleet = fleetSchema.parse({
      endpoints: [
        {
          name: "zisk-cluster",
          url: "http://10.0.0.5:3000",
          proofType: "reth-zisk",
          zkvm: "zisk",
          gpus: [0, 1, 2, 3],
        },
        { name: "sp1-gpu4", url: "http://10.0.0.5:3004", proofType: 5, zkvm: "sp1", gpus: [4] },
      ],
    });
    expect(fleet.endpoints[0]?.host).toBe("localhost");
  });

  it("refuses a GPU used twice, multi-GPU SP1 and duplicate names", () => {
    const r = fleetSchema.safeParse({
      endpoints: [
        { name: "a", url: "http://h:1", proofType: 6, zkvm: "zisk", gpus: [0] },
        { name: "a", url: "http://h:2", proofType: 5, zkvm: "sp1", gpus: [0, 1] },
      ],
    });
    expect(r.success).toBe(false);
    const messages = r.error?.issues.map((i) => i.message).join("\n");
    expect(messages).toMatch(/used twice/);
    expect(messages).toMatch(/only ZisK runs a multi-GPU cluster/);
    expect(messages).toMatch(/already used by endpoint "a"/);
  });
});

describe("gpu/ operator files", () => {
  const gpuDir = new URL("../../gpu/", import.meta.url);

  it("fleet.example.yaml satisfies the fleet schema", () => {
    const parsed = fleetSchema.parse(parse(readFileSync(new URL("fleet.example.yaml", gpuDir), "utf8")));
    expect(parsed.endpoints.map((e) => e.name)).toEqual(["zisk-cluster-a", "sp1-l40s"]);
  });

  it("the example compose files are what the generator writes today", () => {
    const elf = "/opt/eproof/guests/reth-zisk.elf";
    const gpus = [0, 1, 2, 3, 4, 5, 6, 7];
    const cases: Array<[string, ComposeOptions]> = [
      ["compose.zisk-per-gpu.8x5090.yaml", { ...base, gpus, elfPath: elf }],
      ["compose.zisk-cluster.8x5090.yaml", { ...base, gpus, elfPath: elf, layout: "zisk-cluster" }],
      [
        "compose.sp1.1xL40S.yaml",
        { ...base, zkvm: "sp1", gpus: [0], elfPath: "/opt/eproof/guests/reth-sp1.elf" },
      ],
    ];
    for (const [file, opts] of cases) {
      expect(readFileSync(new URL(`examples/${file}`, gpuDir), "utf8")).toBe(
        renderCompose(buildCompose(opts)),
      );
    }
  });
});
