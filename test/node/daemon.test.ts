// The daemon end to end over real HTTP: a custom network's beacon node serving the zkboost-devnet block,
// an EL answering its witness, CPU re-execution, BLS signing, the API; then a restart on the same data
// dir, and bad configs that must fail without leaving anything listening.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, type EproofConfig } from "../../src/config/schema.ts";
import { type EproofNode, startNode } from "../../src/node/daemon.ts";
import {
  DoubleSignGuard,
  executionProofDomainAtSlot,
  executionProofSigningRoot,
  interopSecretKey,
  verifyProofSignature,
} from "../../src/signing/index.ts";
import { decodeStoredProof, proofContainers } from "../../src/spec/containers.ts";
import { nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { getProfile } from "../../src/spec/profile.ts";
import { CPU_PROOF_TYPE_ID } from "../../src/spec/proofTypes.ts";
import type { StoredProof } from "../../src/store/interface.ts";
import { EproofError } from "../../src/util/errors.ts";
import { toHex } from "../../src/util/hex.ts";
import { createLogger, silentLogger } from "../../src/util/logger.ts";
import { BeaconTestServer, FIXTURES, fuluBlockAround, zkboostNpr } from "../beacon/beaconTestServer.ts";
import { RpcTestServer } from "../execution/rpcTestServer.ts";
import { CUSTOM_GVR, CustomSpecBeacon, customForkConfig } from "./support/customSpecBeacon.ts";

const zkDir = new URL("zkboost-devnet/", FIXTURES);
const witness: unknown = JSON.parse(readFileSync(new URL("execution_witness.json", zkDir), "utf8"));
const elChainConfig = JSON.parse(readFileSync(new URL("chain_config.json", zkDir), "utf8")) as {
  chainId: number;
};

const npr = zkboostNpr();
const root = nprRoot({ fork: "fulu", value: npr });
const rootHex = toHex(root);
const SLOT = 1;
const profile = getProfile();
const containers = proofContainers(profile);
const secretKey = interopSecretKey(0);

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const addr = srv.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Resolves true if something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(true));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(false)));
  });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("eproof daemon (startNode) over real HTTP", () => {
  const chain = new BeaconTestServer();
  const beacon = new CustomSpecBeacon(() => chain.url, elChainConfig.chainId);
  const el = new RpcTestServer();
  const dataDir = mkdtempSync(join(tmpdir(), "eproof-daemon-"));
  let node: EproofNode | undefined;

  const config = (extra: Record<string, unknown> = {}): EproofConfig =>
    configSchema.parse({
      network: "custom",
      dataDir,
      logLevel: "silent",
      beacon: { url: beacon.url },
      execution: { url: el.url, witness: "debug" },
      proving: { proofTypes: ["eproof-reexec"], backends: [{ kind: "cpu" }], deadlineMs: 60_000 },
      p2p: { enabled: false },
      api: { port: 0 },
      ...extra,
    });
  // DAEMON_TEST_LOG=1 shows the node's debug log when a step hangs.
  const start = (c: EproofConfig) =>
    startNode(c, {
      logger: process.env.DAEMON_TEST_LOG ? createLogger({ level: "debug" }) : silentLogger(),
      signingKey: { secretKey, validatorIndex: 0 },
    });

  beforeAll(async () => {
    await chain.start();
    await beacon.start();
    await el.start();
    el.handlers.set("debug_executionWitnessByBlockHash", (p) =>
      p[0] === toHex(npr.executionPayload.blockHash) ? witness : null,
    );
    el.handlers.set("debug_chainConfig", () => elChainConfig);
    el.handlers.set("eth_blockNumber", () => "0x1");
    chain.addBlock(fuluBlockAround(npr, SLOT, npr.parentBeaconBlockRoot));
  });

  afterAll(async () => {
    await node?.stop();
    await el.stop();
    await beacon.stop();
    await chain.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("follows the head, proves it by re-execution, signs it and serves it", async () => {
    const n = await start(config({ p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], discovery: false } }));
    node = n;
    const published = new Promise<StoredProof>((resolve) => n.onPublished((p) => resolve(p)));
    await n.ready;
    await chain.waitForConnections(1);
    chain.sendHead(chain.headRoot);
    const proof = await published;
    expect(toHex(proof.newPayloadRequestRoot)).toBe(rootHex);
    expect(proof.proofType).toBe(CPU_PROOF_TYPE_ID);
    expect(
      n
        .p2p()
        ?.multiaddrs()
        .some((a) => a.includes("/ip4/127.0.0.1/tcp/")),
    ).toBe(true);

    const stored = await n.store.getProof(root, CPU_PROOF_TYPE_ID);
    const signed = stored?.signed;
    if (!stored || !signed) throw new Error("no signed proof stored");
    expect(signed.validatorIndex).toBe(0);
    const message = decodeStoredProof(containers, stored.proof, stored.newPayloadRequestRoot);
    const domain = executionProofDomainAtSlot(
      customForkConfig(elChainConfig.chainId),
      CUSTOM_GVR,
      SLOT,
      profile,
    );
    const signingRoot = executionProofSigningRoot(message, domain, containers);
    const pubkey = secretKey.toPublicKey().toBytes();
    expect(verifyProofSignature(pubkey, signingRoot, signed.signature)).toBe(true);
    // The signature binds the domain: under another chain's domain it does not verify.
    const otherDomain = executionProofDomainAtSlot(customForkConfig(1), new Uint8Array(32), SLOT, profile);
    expect(
      verifyProofSignature(
        pubkey,
        executionProofSigningRoot(message, otherDomain, containers),
        signed.signature,
      ),
    ).toBe(false);

    const api = `http://127.0.0.1:${n.apiPort}`;
    const raw = await fetch(`${api}/v1/execution_proofs/${rootHex}/${CPU_PROOF_TYPE_ID}`);
    expect(raw.status).toBe(200);
    expect(toHex(new Uint8Array(await raw.arrayBuffer()))).toBe(toHex(message.proofData));
    expect(message.proofData.length).toBeGreaterThan(0);

    const status = await fetch(`${api}/eth/v1/eproof/payloads/${rootHex}`);
    expect(status.status).toBe(200);
    const body = (await status.json()) as {
      data: {
        slot: string;
        proofs: { proof_type: string; verified: boolean; validator_index: string | null }[];
      };
    };
    expect(body.data.slot).toBe(String(SLOT));
    expect(body.data.proofs).toEqual([
      expect.objectContaining({ proof_type: "eproof-reexec", verified: true, validator_index: "0" }),
    ]);

    const metrics = await (await fetch(`${api}/metrics`)).text();
    const proofsLine = metrics
      .split("\n")
      .find((l) => l.startsWith("eproof_proofs_total{") && l.includes("eproof-reexec"));
    expect(proofsLine).toBeDefined();
    expect(Number(proofsLine?.split(" ").at(-1))).toBeGreaterThan(0);

    const dash = await fetch(`${api}/dashboard`);
    expect(dash.status).toBe(200);
    expect(dash.headers.get("content-type")).toContain("text/html");
    expect(await dash.text()).toContain("<html");
  }, 60_000);

  it("keeps the proof across a restart and refuses to sign a different proof for the same (root, type)", async () => {
    if (!node) throw new Error("the first test did not start a node");
    const before = await node.store.getProof(root, CPU_PROOF_TYPE_ID);
    await node.stop();
    node = undefined;

    const n = await start(config());
    node = n;
    const after = await n.store.getProof(root, CPU_PROOF_TYPE_ID);
    expect(after && toHex(after.proof)).toBe(before && toHex(before.proof));
    expect(after?.signed?.validatorIndex).toBe(0);
    await n.stop();
    node = undefined;

    if (!after) throw new Error("proof lost");
    const message = decodeStoredProof(containers, after.proof, after.newPayloadRequestRoot);
    const sameRoot = containers.ExecutionProof.hashTreeRoot(message);
    const other = containers.ExecutionProof.hashTreeRoot({
      ...message,
      proofData: new Uint8Array([1, 2, 3]),
    });
    const guard = new DoubleSignGuard(dataDir);
    try {
      expect(() => guard.check(root, CPU_PROOF_TYPE_ID, sameRoot, SLOT)).not.toThrow();
      const err = (() => {
        try {
          guard.check(root, CPU_PROOF_TYPE_ID, other, SLOT);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(EproofError);
      expect((err as EproofError).code).toBe("DOUBLE_SIGN");
    } finally {
      guard.close();
    }
  }, 60_000);

  it("rejects an unknown network and a gateway without a JWT secret, leaving nothing listening", async () => {
    const apiPort = await freePort();
    const gatewayPort = await freePort();
    const unknown = await rejection(start(config({ network: "nowhere-net", api: { port: apiPort } })));
    expect(unknown).toBeInstanceOf(EproofError);
    expect((unknown as EproofError).code).toBe("BAD_CONFIG");
    expect((unknown as EproofError).message).toContain("nowhere-net");
    expect(await listening(apiPort)).toBe(false);

    const noJwt = await rejection(
      start(config({ api: { port: apiPort }, gateway: { enabled: true, port: gatewayPort } })),
    );
    expect(noJwt).toBeInstanceOf(EproofError);
    expect((noJwt as EproofError).code).toBe("BAD_CONFIG");
    expect((noJwt as EproofError).message).toContain("JWT");
    expect(await listening(apiPort)).toBe(false);
    expect(await listening(gatewayPort)).toBe(false);

    // The failed start released the store and the guard: a good config starts on the same data dir.
    const n = await start(config());
    node = n;
    expect(await n.store.getProof(root, CPU_PROOF_TYPE_ID)).toBeDefined();
    await n.stop();
    node = undefined;
  }, 60_000);
});
