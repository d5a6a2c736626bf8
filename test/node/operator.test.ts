// What an operator sees from a running daemon (issue 17): a node without a signing key reports its
// proved blocks as proved and counts them in the coverage (/metrics, /dashboard), over real HTTP with a
// custom network's beacon node, an EL answering the witness and CPU re-execution.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, type EproofConfig } from "../../src/config/schema.ts";
import { type EproofNode, startNode } from "../../src/node/daemon.ts";
import { nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { CPU_PROOF_TYPE_ID } from "../../src/spec/proofTypes.ts";
import { toHex } from "../../src/util/hex.ts";
import { silentLogger } from "../../src/util/logger.ts";
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

describe("a daemon without a signing key", () => {
  const chain = new BeaconTestServer();
  const beacon = new CustomSpecBeacon(() => chain.url, elChainConfig.chainId);
  const el = new RpcTestServer();
  const dataDir = mkdtempSync(join(tmpdir(), "eproof-operator-"));
  let node: EproofNode | undefined;

  const config = (): EproofConfig =>
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
    const n = await startNode(config(), { logger: silentLogger() });
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
  }, 60_000);
});
