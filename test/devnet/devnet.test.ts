// The real devnet end to end: Lodestar + EthereumJS client on loopback, the transaction generator feeding
// them; blocks seen through the Beacon API (SSE + blocks/head) and the EL (receipts, eth_getProof at a
// past block, debug_traceTransaction), then a clean stop with no process left behind.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GENESIS_STORAGE_CONTRACT } from "../../src/devnet/contracts.ts";
import { DEVNET_SETUP_COMMAND, locateDevnetTools } from "../../src/devnet/devnetTools.ts";
import { storageWord } from "../../src/devnet/genesis.ts";
import type { Devnet } from "../../src/devnet/interface.ts";
import { jsonRpcCall } from "../../src/devnet/jsonRpc.ts";
import { startDevnet } from "../../src/devnet/startDevnet.ts";
import {
  GENERATED_TX_KINDS,
  type GeneratedTx,
  startTxGenerator,
  type TxGenerator,
} from "../../src/devnet/txGenerator.ts";
import { silentLogger } from "../../src/util/logger.ts";

const tools = locateDevnetTools();
const title = tools
  ? "devnet (Lodestar 1.5.1 + EthereumJS client, real processes)"
  : `devnet — SKIPPED: devnet tools not installed; run \`${DEVNET_SETUP_COMMAND}\``;

interface SseEvent {
  event: string;
  data: { slot?: string; block?: string };
}

/** Reads the Beacon API event stream into `out` until aborted (topics as repeated parameters). */
async function collectEvents(beaconUrl: string, out: SseEvent[], signal: AbortSignal): Promise<void> {
  const res = await fetch(`${beaconUrl}/eth/v1/events?topics=head&topics=block`, {
    headers: { accept: "text/event-stream" },
    signal,
  });
  if (!res.ok || res.body === null) throw new Error(`events: HTTP ${res.status}`);
  const decoder = new TextDecoder();
  let buf = "";
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: ?(.*)$/m.exec(frame)?.[1];
        const data = /^data: ?(.*)$/m.exec(frame)?.[1];
        if (event !== undefined && data !== undefined) out.push({ event, data: JSON.parse(data) });
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}

interface RpcBlock {
  number: string;
  hash: string;
  transactions: string[];
}

interface Receipt {
  status: string;
  blockHash: string;
  contractAddress: string | null;
  blockNumber: string;
}

/**
 * A pass-through HTTP forwarder between Lodestar and the EL's Engine API (JWT header forwarded as is),
 * standing where eproof's Engine API gateway will: it records which engine methods went through.
 */
async function startEngineForwarder(
  upstream: string,
  methods: string[],
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      try {
        const calls = JSON.parse(body.toString()) as { method?: string } | { method?: string }[];
        for (const c of Array.isArray(calls) ? calls : [calls])
          if (c.method !== undefined) methods.push(c.method);
      } catch {
        // not JSON: forwarded anyway, the EL answers
      }
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (req.headers.authorization !== undefined) headers.authorization = req.headers.authorization;
      fetch(upstream, { method: "POST", headers, body })
        .then(async (up) => {
          res.writeHead(up.status, { "content-type": "application/json" });
          res.end(Buffer.from(await up.arrayBuffer()));
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const rpc = (d: Devnet, method: string, params: unknown[]) => jsonRpcCall(d.elRpcUrl, method, params);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(tools === undefined)(title, () => {
  let devnet: Devnet;
  let generator: TxGenerator;
  const events: SseEvent[] = [];
  const sse = new AbortController();
  let sseDone: Promise<void>;
  const engineMethods: string[] = [];
  let forwarder: Server | undefined;
  /** EL blocks (number → tx hashes) that carry at least one generated transaction. */
  const blocksWithOurTxs = new Map<number, string[]>();

  beforeAll(async () => {
    devnet = await startDevnet({
      logger: silentLogger(),
      secondsPerSlot: 2,
      validators: 8,
      startTimeoutMs: 100_000,
      executionUrl: async (el) => {
        const f = await startEngineForwarder(el.engineUrl, engineMethods);
        forwarder = f.server;
        return f.url;
      },
    });
    sseDone = collectEvents(devnet.beaconUrl, events, sse.signal).catch(() => undefined);
    generator = startTxGenerator({
      rpcUrl: devnet.elRpcUrl,
      chainId: devnet.chainId,
      accounts: devnet.accounts,
      intervalMs: devnet.secondsPerSlot * 1000,
      logger: silentLogger(),
    });
    // Until 5 blocks carry generated transactions (about 6 slots), bounded.
    const ours = (): Set<string> => new Set(generator.recent.map((t) => t.hash));
    const deadline = Date.now() + 45_000;
    let next = 1;
    while (blocksWithOurTxs.size < 5 && Date.now() < deadline) {
      const head = Number(BigInt(String(await rpc(devnet, "eth_blockNumber", []))));
      for (; next <= head; next++) {
        const block = (await rpc(devnet, "eth_getBlockByNumber", [
          `0x${next.toString(16)}`,
          false,
        ])) as RpcBlock;
        const mine = block.transactions.filter((h) => ours().has(h));
        if (mine.length > 0) blocksWithOurTxs.set(next, mine);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    await generator.stop();
    // Forks replace blocks: keep only what is canonical now.
    blocksWithOurTxs.clear();
    const head = Number(BigInt(String(await rpc(devnet, "eth_blockNumber", []))));
    for (let n = 1; n <= head; n++) {
      const block = (await rpc(devnet, "eth_getBlockByNumber", [`0x${n.toString(16)}`, false])) as RpcBlock;
      const mine = block.transactions.filter((h) => ours().has(h));
      if (mine.length > 0) blocksWithOurTxs.set(n, mine);
    }
  }, 160_000);

  afterAll(async () => {
    sse.abort();
    await generator?.stop();
    await devnet?.stop();
    forwarder?.close();
  }, 30_000);

  it("produces at least 5 execution blocks carrying the generated transactions", () => {
    expect(blocksWithOurTxs.size).toBeGreaterThanOrEqual(5);
    expect(devnet.timeToFirstBlockMs).toBeGreaterThan(0);
  });

  it("drives the EL through the configured execution URL (where eproof's gateway will stand)", () => {
    expect(devnet.beaconExecutionUrl).not.toBe(devnet.elEngineUrl);
    expect(engineMethods.some((m) => m.startsWith("engine_forkchoiceUpdated"))).toBe(true);
    expect(engineMethods.some((m) => m.startsWith("engine_newPayload"))).toBe(true);
    expect(engineMethods.some((m) => m.startsWith("engine_getPayload"))).toBe(true);
  });

  it("keeps `finished` pending while the chain advances (no false stall)", async () => {
    const state = await Promise.race([
      devnet.finished.then(
        () => "resolved",
        (e: unknown) => `rejected: ${String(e)}`,
      ),
      new Promise<string>((r) => setTimeout(() => r("pending"), 100)),
    ]);
    expect(state).toBe("pending");
  });

  it("streams head and block events over SSE with increasing slots", () => {
    const heads = events.filter((e) => e.event === "head").map((e) => Number(e.data.slot));
    const blocks = events.filter((e) => e.event === "block");
    expect(heads.length).toBeGreaterThanOrEqual(3);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    // Forks happen on a loaded machine (a head event may repeat a slot), but the head moves forward.
    expect(new Set(heads).size).toBeGreaterThanOrEqual(3);
    expect(heads.at(-1)).toBeGreaterThan(heads[0] ?? Number.POSITIVE_INFINITY);
  });

  it("serves the head block over the Beacon API with our transactions in its execution payload", async () => {
    const ours = new Set(generator.recent.map((t) => t.hash));
    // Generation has stopped: look back from the head for the newest block with transactions.
    const res = await fetch(`${devnet.beaconUrl}/eth/v2/beacon/blocks/head`, {
      headers: { accept: "application/json" },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      version: string;
      data: {
        message: {
          slot: string;
          body: { execution_payload: { block_number: string; transactions: string[] } };
        };
      };
    };
    expect(body.version).toBe("capella");
    const headNumber = Number(body.data.message.body.execution_payload.block_number);
    expect(headNumber).toBeGreaterThan(0);
    const withTxs = [...blocksWithOurTxs.keys()].at(-1);
    if (withTxs === undefined) throw new Error("no block with transactions");
    // Walk back through beacon blocks until the execution payload of `withTxs`.
    let slot = Number(body.data.message.slot);
    let found: string[] | undefined;
    for (; slot > 0 && found === undefined; slot--) {
      const r = await fetch(`${devnet.beaconUrl}/eth/v2/beacon/blocks/${slot}`);
      if (r.status !== 200) continue; // an empty slot
      const b = (await r.json()) as typeof body;
      const payload = b.data.message.body.execution_payload;
      if (Number(payload.block_number) === withTxs) found = payload.transactions;
    }
    if (found === undefined) throw new Error(`execution block ${withTxs} not found through the Beacon API`);
    const hashes = found.map((raw) => bytesToHex(keccak_256(hexToBytes(raw as `0x${string}`))));
    expect(hashes.filter((h) => ours.has(h)).length).toBeGreaterThan(0);
  });

  /** A generated transaction of `kind` with a receipt in a block that is canonical now (forks happen). */
  async function canonicalReceipt(kind: string): Promise<{ tx: GeneratedTx; receipt: Receipt } | undefined> {
    for (const tx of generator.recent.filter((t) => t.kind === kind)) {
      const receipt = (await rpc(devnet, "eth_getTransactionReceipt", [tx.hash])) as Receipt | null;
      if (receipt === null) continue;
      const block = (await rpc(devnet, "eth_getBlockByNumber", [receipt.blockNumber, false])) as RpcBlock;
      if (block.hash === receipt.blockHash) return { tx, receipt };
    }
    return undefined;
  }

  it("mines every kind of generated transaction with the expected outcome", async () => {
    for (const kind of GENERATED_TX_KINDS) {
      const found = await canonicalReceipt(kind);
      expect(found, `a canonical ${kind} transaction`).toBeDefined();
      if (found === undefined) continue;
      expect(found.receipt.status, kind).toBe(kind === "revert" ? "0x0" : "0x1");
      if (kind === "deploy") {
        expect(found.receipt.contractAddress?.toLowerCase()).toBe(found.tx.contractAddress?.toLowerCase());
      }
    }
  });

  it("answers eth_getProof at a past block: a slot set at genesis, deleted since", async () => {
    const key = storageWord(1n);
    const atGenesis = (await rpc(devnet, "eth_getProof", [GENESIS_STORAGE_CONTRACT, [key], "0x0"])) as {
      accountProof: string[];
      storageProof: { key: string; value: string; proof: string[] }[];
    };
    expect(atGenesis.accountProof.length).toBeGreaterThan(0);
    expect(BigInt(atGenesis.storageProof[0]?.value ?? "0x0")).toBe(1n);
    expect(atGenesis.storageProof[0]?.proof.length).toBeGreaterThan(0);
    const now = (await rpc(devnet, "eth_getProof", [
      GENESIS_STORAGE_CONTRACT,
      [key],
      "latest",
    ])) as typeof atGenesis;
    expect(BigInt(now.storageProof[0]?.value ?? "0x1")).toBe(0n);
  });

  it("traces transactions with debug_traceTransaction (struct logs)", async () => {
    const write = (await canonicalReceipt("storage-write"))?.tx;
    const revert = (await canonicalReceipt("revert"))?.tx;
    if (write === undefined || revert === undefined) throw new Error("no mined write/revert transaction");
    const ops = async (hash: string): Promise<string[]> => {
      const trace = (await rpc(devnet, "debug_traceTransaction", [hash, {}])) as {
        structLogs: { op: string }[];
      };
      return trace.structLogs.map((l) => l.op);
    };
    expect(await ops(write.hash)).toContain("SSTORE");
    expect(await ops(revert.hash)).toContain("REVERT");
  });

  it("stops both nodes and leaves no process behind", async () => {
    sse.abort();
    await sseDone;
    const pids = devnet.processes.map((p) => p.pid);
    expect(pids.every(alive)).toBe(true);
    await devnet.stop();
    for (const pid of pids) {
      expect(alive(pid)).toBe(false);
      // Nor anything else in its process group.
      expect(() => process.kill(-pid, 0)).toThrow();
    }
  }, 30_000);
});
