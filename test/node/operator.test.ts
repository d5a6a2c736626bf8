// What an operator sees from a running daemon (issue 17): a node without a signing key reports its
// proved blocks as proved and counts them in the coverage (/metrics, /dashboard); /health is ok only
// while the node follows the chain (503 with the reason otherwise) and eproof_upstream_up exists from
// the start. Over real HTTP with a custom network's beacon node, an EL answering the witness and CPU
// re-execution.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageVersion } from "../../src/cli/version.ts";
import { configSchema, type EproofConfig } from "../../src/config/schema.ts";
import { type EproofNode, startNode } from "../../src/node/daemon.ts";
import { nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { CPU_PROOF_TYPE_ID } from "../../src/spec/proofTypes.ts";
import { type Clock, systemClock } from "../../src/util/clock.ts";
import { toHex } from "../../src/util/hex.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { BeaconTestServer, FIXTURES, fuluBlockAround, zkboostNpr } from "../beacon/beaconTestServer.ts";
import { RpcTestServer } from "../execution/rpcTestServer.ts";
import { CUSTOM_GENESIS_TIME, CustomSpecBeacon } from "./support/customSpecBeacon.ts";

const zkDir = new URL("zkboost-devnet/", FIXTURES);
const witness: unknown = JSON.parse(readFileSync(new URL("execution_witness.json", zkDir), "utf8"));
const elChainConfig = JSON.parse(readFileSync(new URL("chain_config.json", zkDir), "utf8")) as {
  chainId: number;
};
const npr = zkboostNpr();
const root = nprRoot({ fork: "fulu", value: npr });

/** Wall time as if it were slot `slot` of the custom network now (its head block is at slot 1). */
function clockAtSlot(slot: number): Clock {
  const offset = CUSTOM_GENESIS_TIME * 1000 + slot * 12_000 - Date.now();
  return { now: () => Date.now() + offset, sleep: systemClock.sleep };
}

async function health(apiPort: number | undefined): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/health`);
  return { status: res.status, body: await res.json() };
}

describe("a daemon without a signing key", () => {
  const chain = new BeaconTestServer();
  const beacon = new CustomSpecBeacon(() => chain.url, elChainConfig.chainId);
  const el = new RpcTestServer();
  const dataDir = mkdtempSync(join(tmpdir(), "eproof-operator-"));
  let node: EproofNode | undefined;

  const config = (beaconUrl = beacon.url, elUrl = el.url): EproofConfig =>
    configSchema.parse({
      network: "custom",
      dataDir,
      logLevel: "silent",
      beacon: { url: beaconUrl },
      execution: { url: elUrl, witness: "debug" },
      proving: { proofTypes: ["eproof-reexec"], backends: [{ kind: "cpu" }], deadlineMs: 60_000 },
      p2p: { enabled: false },
      api: { port: 0 },
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
    chain.addBlock(fuluBlockAround(npr, 1, npr.parentBeaconBlockRoot));
  });

  afterAll(async () => {
    await node?.stop();
    await el.stop();
    await beacon.stop();
    await chain.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("reports its proved blocks as proved (in time) and coverage above 0", async () => {
    const n = await startNode(config(), { logger: silentLogger(), clock: clockAtSlot(2) });
    node = n;
    const settled = new Promise<void>((resolve) => {
      const off = n.dashboard.subscribe(() => {
        if (n.dashboard.snapshot().slots.length > 0) {
          off();
          resolve();
        }
      });
    });
    await n.ready;
    await chain.waitForConnections(1);
    chain.sendHead(chain.headRoot);
    await settled;
    const proof = await n.store.getProof(root, CPU_PROOF_TYPE_ID);
    expect(proof?.signed).toBeUndefined();

    const api = `http://127.0.0.1:${n.apiPort}`;
    const state = (await (await fetch(`${api}/dashboard/api/state`)).json()) as {
      slots: { outcome: string; provedMs: number | null; proofTypes: string[] }[];
      coverage: { ratio: number | null };
    };
    expect(state.slots[0]).toMatchObject({ outcome: "in_time", proofTypes: ["eproof-reexec"] });
    expect(state.slots[0]?.provedMs).toBeGreaterThan(0);
    expect(state.coverage.ratio).toBe(1);
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toContain('eproof_blocks_total{outcome="in_time"} 1');
    expect(metrics).toMatch(/^eproof_coverage_ratio 1$/m);
    // The CPU re-execution type has its own kind (not "ere", which is a zkVM server).
    const types = (await (await fetch(`${api}/v1/proof_types`)).json()) as { proof_types: unknown[] };
    expect(types.proof_types).toEqual([
      { proof_type: "eproof-reexec", kind: "cpu", can_prove: true, can_verify: true },
    ]);
    // Following the chain, both upstreams answer: healthy.
    await expect
      .poll(() => health(n.apiPort), { timeout: 10_000 })
      .toEqual({ status: 200, body: { status: "ok" } });
    expect(metrics).toContain('eproof_upstream_up{upstream="beacon"} 1');
    // The real version, and the store's size once a health round ran after the proof.
    expect(metrics).toContain(`eproof_info{version="${packageVersion()}"} 1`);
    await expect
      .poll(
        async () =>
          Number(/^eproof_store_proofs (\d+)$/m.exec(await (await fetch(`${api}/metrics`)).text())?.[1]),
        {
          timeout: 15_000,
        },
      )
      .toBeGreaterThanOrEqual(1);
    await n.stop();
    node = undefined;
  }, 60_000);

  it("answers /health 503 syncing while the beacon node's head is far behind the wall clock", async () => {
    const n = await startNode(config(), { logger: silentLogger(), clock: clockAtSlot(500) });
    node = n;
    await n.ready;
    await expect
      .poll(() => health(n.apiPort), { timeout: 10_000 })
      .toEqual({ status: 503, body: { status: "unavailable", reason: "syncing" } });
    await n.stop();
    node = undefined;
  }, 60_000);

  it("answers /health 503 with the beacon node down, eproof_upstream_up 0 from the start", async () => {
    const down = await closedPortUrl();
    const n = await startNode(config(down), { logger: silentLogger() });
    node = n;
    const metrics = await (await fetch(`http://127.0.0.1:${n.apiPort}/metrics`)).text();
    expect(metrics).toContain('eproof_upstream_up{upstream="beacon"} 0');
    expect(metrics).toContain('eproof_upstream_up{upstream="beacon_events"} 0');
    expect(metrics).toMatch(/eproof_upstream_up\{upstream="prover:[^"]+"\} [01]/);
    expect(await health(n.apiPort)).toEqual({
      status: 503,
      body: { status: "unavailable", reason: "beacon node unreachable" },
    });
    await n.stop();
    node = undefined;
  }, 60_000);

  it("warns once, not per block, while the execution client serves no chain config", async () => {
    const bare = new RpcTestServer();
    await bare.start();
    bare.handlers.set("debug_executionWitnessByBlockHash", () => witness);
    bare.handlers.set("eth_blockNumber", () => "0x1");
    const lines: { msg?: string; err?: string }[] = [];
    const logger = pino(
      { level: "info" },
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          for (const l of chunk.toString().split("\n")) if (l.trim() !== "") lines.push(JSON.parse(l));
          cb();
        },
      }),
    );
    try {
      const n = await startNode(config(beacon.url, bare.url), { logger, clock: clockAtSlot(2) });
      node = n;
      await n.ready;
      await chain.waitForConnections(1);
      chain.sendHead(chain.headRoot);
      // The block's witness is retried meanwhile (each retry asks for the chain config again).
      await new Promise((r) => setTimeout(r, 2_500));
      const warned = lines.filter((l) => l.msg?.startsWith("chain config not available"));
      expect(warned).toHaveLength(1);
      expect(warned[0]?.err).toContain("--execution.chainConfigFile");
      await n.stop();
      node = undefined;
    } finally {
      await bare.stop();
    }
  }, 60_000);

  it("answers /health 503 when the execution client is down", async () => {
    const n = await startNode(config(beacon.url, await closedPortUrl()), {
      logger: silentLogger(),
      clock: clockAtSlot(2),
    });
    node = n;
    await n.ready;
    await expect
      .poll(() => health(n.apiPort), { timeout: 10_000 })
      .toEqual({ status: 503, body: { status: "unavailable", reason: "execution client unreachable" } });
    await n.stop();
    node = undefined;
  }, 60_000);
});

async function closedPortUrl(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const addr = srv.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
