import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { type LightNode, startLightNode } from "../../src/light/node.ts";
import { toHex } from "../../src/util/hex.ts";
import { createLogger } from "../../src/util/logger.ts";
import {
  buildChain,
  finalityUpdateOf,
  type LcServer,
  optimisticUpdateOf,
  SECONDS_PER_SLOT,
  startLcServer,
  updateOf,
} from "./lcChain.ts";

// The chain's slot 71 is the current wall-clock slot here (the node runs on the system clock).
const genesisTime = Math.floor(Date.now() / 1000) - 72 * SECONDS_PER_SLOT;
const chain = buildChain({ slots: 72, genesisTime });

describe("eproof light node", () => {
  let server: LcServer;
  let node: LightNode;
  beforeAll(async () => {
    server = await startLcServer(chain, {
      bootstrapSlot: 32,
      updates: [updateOf(chain, chain.bySlot(66))],
      finality: finalityUpdateOf(chain, chain.bySlot(70)),
      optimistic: optimisticUpdateOf(chain, chain.bySlot(71)),
      swapBlocks: new Map(),
    });
    const config = configSchema.parse({
      network: "custom",
      dataDir: `/tmp/eproof-light-test-${process.pid}`,
      p2p: { enabled: false },
      proving: { backends: [] },
      light: {
        beaconUrl: server.url,
        checkpointRoot: toHex(chain.bySlot(32).root),
        port: 0,
        pollIntervalMs: 200,
        // Never reached: with no verified head the endpoint answers before asking it.
        rpcUpstream: "http://127.0.0.1:9",
      },
    });
    node = await startLightNode(config, { logger: createLogger({ level: "silent" }) });
  });
  afterAll(async () => {
    await node?.stop();
    await server?.close();
  });

  it("serves the light head: verified headers, no proven head yet, the gap reported", async () => {
    for (let i = 0; i < 50 && node.consensus.optimisticSlot < 71; i++)
      await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(`${node.apiUrl}/eth/v1/eproof/light/head`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as {
      data: { optimisticSlot: number; finalizedSlot: number; lagSlots: number };
    };
    expect(body.data.optimisticSlot).toBe(71);
    expect(body.data.finalizedSlot).toBe(64);
    expect(body.data.lagSlots).toBe(71);
    const metrics = await (await fetch(`${node.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/eproof_light_headers_verified_total\{kind="optimistic"\} [1-9]/);
  });

  it("mounts verified JSON-RPC at POST /rpc: no verified head yet is a clear error", async () => {
    const res = await fetch(`${node.apiUrl}/rpc`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "eth_blockNumber", params: [] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: number; error: { code: number; message: string } };
    expect(body.id).toBe(7);
    expect(body.error.message).toContain("no verified execution head yet");
    const metrics = await (await fetch(`${node.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/eproof_light_rpc_check_ms_count\{method="eth_blockNumber",ok="false"\} 1/);
  });
});
