// Fault regressions of the daemon over real HTTP on a real data dir: an unauthenticated forkchoice
// notification must not prune proofs or the double-sign journal (only beacon-confirmed finality
// does), and a block handed to proving but not yet proved is proved after a restart.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { configSchema, type EproofConfig } from "../../src/config/schema.ts";
import { type EproofNode, startNode } from "../../src/node/daemon.ts";
import { DoubleSignGuard, interopSecretKey } from "../../src/signing/index.ts";
import { decodeStoredProof, proofContainers } from "../../src/spec/containers.ts";
import { encodeNpr, nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { getProfile } from "../../src/spec/profile.ts";
import { CPU_PROOF_TYPE_ID } from "../../src/spec/proofTypes.ts";
import type { StoredProof } from "../../src/store/interface.ts";
import { toHex } from "../../src/util/hex.ts";
import { createLogger, silentLogger } from "../../src/util/logger.ts";
import { BeaconTestServer, FIXTURES, fuluBlockAround, zkboostNpr } from "../beacon/beaconTestServer.ts";
import { RpcTestServer } from "../execution/rpcTestServer.ts";
import { CustomSpecBeacon } from "./support/customSpecBeacon.ts";

const zkDir = new URL("zkboost-devnet/", FIXTURES);
const witness: unknown = JSON.parse(readFileSync(new URL("execution_witness.json", zkDir), "utf8"));
const elChainConfig = JSON.parse(readFileSync(new URL("chain_config.json", zkDir), "utf8")) as {
  chainId: number;
};

const npr = zkboostNpr();
const root = nprRoot({ fork: "fulu", value: npr });
const SLOT = 1;
const containers = proofContainers(getProfile());
const WITNESS = "debug_executionWitnessByBlockHash";

describe("eproof daemon under faults (real HTTP, real data dir, real restarts)", () => {
  const chain = new BeaconTestServer();
  const beacon = new CustomSpecBeacon(() => chain.url, elChainConfig.chainId);
  const el = new RpcTestServer();
  const dirs: string[] = [];
  let node: EproofNode | undefined;

  const config = (dataDir: string): EproofConfig =>
    configSchema.parse({
      network: "custom",
      dataDir,
      logLevel: "silent",
      beacon: { url: beacon.url },
      execution: { url: el.url, witness: "debug" },
      proving: { proofTypes: ["eproof-reexec"], backends: [{ kind: "cpu" }], deadlineMs: 60_000 },
      p2p: { enabled: false },
      api: { port: 0 },
    });
  const start = async (dataDir: string, signs = true) => {
    node = await startNode(config(dataDir), {
      logger: process.env.DAEMON_TEST_LOG ? createLogger({ level: "debug" }) : silentLogger(),
      signingKey: signs ? { secretKey: interopSecretKey(0), validatorIndex: 0 } : undefined,
    });
    return node;
  };
  const stop = async () => {
    await node?.stop();
    node = undefined;
  };
  const freshDir = () => {
    const d = mkdtempSync(join(tmpdir(), "eproof-faults-"));
    dirs.push(d);
    return d;
  };
  /** Starts a node, shows it the head and resolves with its first published (signed) proof. */
  const proveHead = async (n: EproofNode): Promise<StoredProof> => {
    const published = new Promise<StoredProof>((resolve) => n.onPublished((p) => resolve(p)));
    await n.ready;
    await chain.waitForConnections(1);
    chain.sendHead(chain.headRoot);
    return published;
  };

  beforeAll(async () => {
    await chain.start();
    await beacon.start();
    await el.start();
    el.handlers.set(WITNESS, (p) => (p[0] === toHex(npr.executionPayload.blockHash) ? witness : null));
    el.handlers.set("debug_chainConfig", () => elChainConfig);
    el.handlers.set("eth_blockNumber", () => "0x1");
    chain.addBlock(fuluBlockAround(npr, SLOT, npr.parentBeaconBlockRoot));
  });

  afterEach(async () => {
    await stop();
    el.hang.delete(WITNESS);
    el.httpStatus = 200;
    chain.eventsStatus = 200;
  });

  afterAll(async () => {
    await el.stop();
    await beacon.stop();
    await chain.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("an unauthenticated forkchoice notification naming a far block prunes neither proofs nor the journal", async () => {
    const dataDir = freshDir();
    const n = await start(dataDir);
    const proof = await proveHead(n);
    expect(toHex(proof.newPayloadRequestRoot)).toBe(toHex(root));
    const api = `http://127.0.0.1:${n.apiPort}`;

    // A payload pushed with a far slot is refused outright (API admission: the slot must match the
    // payload's timestamp and lie near the wall clock), so it cannot be named "finalized" later.
    const bait = structuredClone(npr);
    bait.executionPayload.blockHash = new Uint8Array(32).fill(0xee);
    const notified = await fetch(`${api}/v1/new_payload_notifications?slot=1000000`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: Buffer.from(encodeNpr({ fork: "fulu", value: bait })),
    });
    expect(notified.status).toBe(400);
    await notified.arrayBuffer();
    // And calling our own proven block "finalized" over the API prunes nothing either: only the
    // beacon node's finality does.
    const hash = toHex(npr.executionPayload.blockHash);
    const fcu = await fetch(`${api}/v1/forkchoice_updated_notifications`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ head_block_hash: hash, safe_block_hash: hash, finalized_block_hash: hash }),
    });
    expect(fcu.status).toBe(200);

    expect((await n.store.getProof(root, CPU_PROOF_TYPE_ID))?.signed?.validatorIndex).toBe(0);
    await stop();

    // After a restart the proof is still served and the journal still refuses a different proof.
    const again = await start(dataDir);
    expect((await again.store.getProof(root, CPU_PROOF_TYPE_ID))?.signed?.validatorIndex).toBe(0);
    const served = await fetch(
      `http://127.0.0.1:${again.apiPort}/v1/execution_proofs/${toHex(root)}/${CPU_PROOF_TYPE_ID}`,
    );
    expect(served.status).toBe(200);
    await stop();
    const message = decodeStoredProof(containers, proof.proof, proof.newPayloadRequestRoot);
    const different = containers.ExecutionProof.hashTreeRoot({
      ...message,
      proofData: new Uint8Array([9, 9, 9]),
    });
    const guard = new DoubleSignGuard(dataDir);
    try {
      expect(() => guard.check(root, CPU_PROOF_TYPE_ID, different, SLOT)).toThrow(
        /refusing to sign a second/,
      );
      // Nor did the call raise the journal's finality floor (that would refuse every later signature).
      expect(guard.finalizedSlot() ?? -1).toBeLessThan(SLOT);
    } finally {
      guard.close();
    }
  }, 60_000);

  it("a block handed to proving but not proved when the node stops is proved after the restart", async () => {
    const dataDir = freshDir();
    // The EL never answers the witness: the block is handed over, its proof cannot be made yet.
    el.hang.add(WITNESS);
    const witnessCalls = () => el.calls.filter((c) => c.method === WITNESS).length;
    const before = witnessCalls();
    const n = await start(dataDir);
    await n.ready;
    await chain.waitForConnections(1);
    chain.sendHead(chain.headRoot);
    while (witnessCalls() === before) await new Promise((r) => setTimeout(r, 20));
    expect(await n.store.getProof(root, CPU_PROOF_TYPE_ID)).toBeUndefined();
    await stop();
    // The resume point must not claim the unproved block (a kill -9 leaves the same file behind).
    const saved = (() => {
      try {
        return Number(readFileSync(join(dataDir, "last-slot"), "utf8"));
      } catch {
        return undefined;
      }
    })();
    expect(saved === undefined || saved < SLOT).toBe(true);

    el.hang.delete(WITNESS);
    const again = await start(dataDir);
    const published = new Promise<StoredProof>((resolve) => again.onPublished((p) => resolve(p)));
    await again.ready;
    const proof = await Promise.race([
      published,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 20_000)),
    ]);
    expect(proof && toHex(proof.newPayloadRequestRoot)).toBe(toHex(root));
    expect((await again.store.getProof(root, CPU_PROOF_TYPE_ID))?.signed?.validatorIndex).toBe(0);
  }, 60_000);

  it("a proof stored but never signed is signed and published when its block is handed over again", async () => {
    const dataDir = freshDir();
    // Without a key the node proves and stores but cannot sign: the state a crash between the
    // store write and the signature leaves behind.
    const n = await start(dataDir, false);
    await n.ready;
    await chain.waitForConnections(1);
    chain.sendHead(chain.headRoot);
    let stored: StoredProof | undefined;
    for (let i = 0; i < 1000 && !stored; i++) {
      stored = await n.store.getProof(root, CPU_PROOF_TYPE_ID);
      if (!stored) await new Promise((r) => setTimeout(r, 20));
    }
    expect(stored?.signed).toBeUndefined();
    await stop();
    rmSync(join(dataDir, "last-slot"), { force: true }); // the block is handed over again

    const again = await start(dataDir);
    const published = new Promise<StoredProof>((resolve) => again.onPublished((p) => resolve(p)));
    await again.ready;
    await chain.waitForConnections(1);
    chain.sendHead(chain.headRoot);
    const proof = await Promise.race([
      published,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 20_000)),
    ]);
    expect(proof && toHex(proof.newPayloadRequestRoot)).toBe(toHex(root));
    const after = await again.store.getProof(root, CPU_PROOF_TYPE_ID);
    expect(after?.signed?.validatorIndex).toBe(0);
    // The same proof bytes, now signed: nothing was proved twice.
    expect(toHex(after?.proof ?? new Uint8Array())).toBe(toHex(stored?.proof ?? new Uint8Array()));
  }, 60_000);

  /** Resolves with the first proof `n` publishes within `ms`, or undefined. */
  const publishedWithin = (n: EproofNode, ms: number) =>
    Promise.race([
      new Promise<StoredProof>((resolve) => n.onPublished((p) => resolve(p))),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), ms)),
    ]);

  it("a block seen while the execution client is down is proved once it is back (defect 4)", async () => {
    const dataDir = freshDir();
    el.httpStatus = 503; // every JSON-RPC call fails, the chain config and the witness alike
    const n = await start(dataDir);
    const published = publishedWithin(n, 30_000);
    await n.ready;
    await chain.waitForConnections(1);
    chain.sendHead(chain.headRoot);
    const before = el.authHeaders.length;
    // Several refused witness fetches: the outage outlasts the first attempt and its retries.
    for (let i = 0; i < 500 && el.authHeaders.length < before + 4; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await n.store.getProof(root, CPU_PROOF_TYPE_ID)).toBeUndefined();
    el.httpStatus = 200;
    const proof = await published;
    expect(proof && toHex(proof.newPayloadRequestRoot)).toBe(toHex(root));
    expect((await n.store.getProof(root, CPU_PROOF_TYPE_ID))?.signed?.validatorIndex).toBe(0);
  }, 60_000);

  it("a block produced while the beacon node's event stream is down is proved after it returns", async () => {
    const dataDir = freshDir();
    chain.eventsStatus = 503;
    const n = await start(dataDir);
    const published = publishedWithin(n, 30_000);
    await n.ready;
    const refused = () => chain.requests.filter((p) => p === "/eth/v1/events").length;
    while (refused() < 3) await new Promise((r) => setTimeout(r, 20));
    chain.eventsStatus = 200;
    // No head event is sent: the reconnect itself catches up to the node's head.
    const proof = await published;
    expect(proof && toHex(proof.newPayloadRequestRoot)).toBe(toHex(root));
  }, 60_000);
});
