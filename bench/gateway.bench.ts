// gateway.new_payload_p99_ms: engine_newPayloadV4 answer latency over HTTP (JWT checked, NPR built
// from the engine JSON and hashed) when the payload's proofs are already verified — the real proof
// service over a real LevelDB store. gateway.forward_p99_ms: the same call when no proof exists and
// the gateway forwards it to an upstream JSON-RPC server (in this process) and relays its answer.

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Worker } from "node:worker_threads";
import { engineParamsFromNpr } from "../src/gateway/enginePayload.ts";
import { parseJwtSecret, signJwt } from "../src/gateway/jwt.ts";
import { createGateway } from "../src/gateway/server.ts";
import { silentLogger } from "../src/util/logger.ts";
import type { BenchFigure } from "./figure.ts";
import { provenPayload } from "./provenPayload.ts";

const RUNS = 2000;
const WARMUP = 200;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

// The client runs in a worker thread: its own event loop and heap, so its garbage collection and
// request building do not land in the gateway's latency (as with a consensus client in another process).
const CLIENT_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  const { url, token, body, expect, runs, warmup } = workerData;
  const headers = { authorization: "Bearer " + token, "content-type": "application/json" };
  const times = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { method: "POST", headers, body });
    const text = await res.text();
    const ms = performance.now() - t0;
    if (!text.includes(expect)) throw new Error("unexpected answer: " + text.slice(0, 200));
    if (i >= warmup) times.push(ms);
  }
  parentPort.postMessage(times);
})().catch((e) => { throw e; });
`;

async function timeCalls(url: string, token: string, body: string, expect: string): Promise<number[]> {
  const worker = new Worker(CLIENT_SOURCE, {
    eval: true,
    workerData: { url, token, body, expect, runs: RUNS, warmup: WARMUP },
  });
  const times = await new Promise<number[]>((resolve, reject) => {
    worker.once("message", (m: number[]) => resolve(m));
    worker.once("error", reject);
  });
  await worker.terminate();
  return times.sort((a, b) => a - b);
}

export async function run(): Promise<BenchFigure[]> {
  const { service, npr, close } = await provenPayload("gw", 6);
  // A second payload without proofs: every call for it goes upstream.
  const unproven = structuredClone(npr.value);
  unproven.executionPayload.extraData = Uint8Array.of(1);

  const upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const { id } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: number };
      const body = JSON.stringify({
        jsonrpc: "2.0",
        id,
        result: { status: "ACCEPTED", latestValidHash: null, validationError: null },
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  const secret = parseJwtSecret("5a".repeat(32));
  // Server-side decision time of each VALID newPayload (NPR build + root + proof rule).
  const serverValid: number[] = [];
  const gateway = createGateway(
    {
      port: 0,
      jwtSecret: secret,
      mode: "proofs-or-el",
      k: 1,
      waitMs: 0,
      mirrorToUpstream: false,
      upstream: { url: upstreamUrl, jwtSecret: parseJwtSecret("6b".repeat(32)), timeoutMs: 5000 },
    },
    {
      logger: silentLogger(),
      proofService: service,
      metrics: {
        recordRpcCall: () => {},
        recordNewPayload: (verdict, ms) => {
          if (verdict === "VALID") serverValid.push(ms);
        },
        recordAuthFailure: () => {},
        recordUpstreamCall: () => {},
      },
    },
  );
  const { port } = await gateway.start();
  const url = `http://127.0.0.1:${port}/`;
  const token = signJwt(secret, Math.floor(Date.now() / 1000));
  try {
    const proven = engineParamsFromNpr(npr);
    const valid = await timeCalls(
      url,
      token,
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: proven.method, params: proven.params }),
      '"VALID"',
    );
    const forwarded = engineParamsFromNpr({ fork: npr.fork, value: unproven });
    const fwd = await timeCalls(
      url,
      token,
      JSON.stringify({ jsonrpc: "2.0", id: 2, method: forwarded.method, params: forwarded.params }),
      '"ACCEPTED"',
    );
    return [
      { name: "gateway.new_payload_p99_ms", value: percentile(valid, 0.99), unit: "ms", target: "≤ 2 ms" },
      { name: "gateway.new_payload_p50_ms", value: percentile(valid, 0.5), unit: "ms" },
      {
        name: "gateway.new_payload_server_p50_ms",
        value: percentile(
          serverValid.slice(-RUNS).sort((a, b) => a - b),
          0.5,
        ),
        unit: "ms",
      },
      {
        name: "gateway.new_payload_server_p99_ms",
        value: percentile(
          serverValid.slice(-RUNS).sort((a, b) => a - b),
          0.99,
        ),
        unit: "ms",
      },
      { name: "gateway.forward_p99_ms", value: percentile(fwd, 0.99), unit: "ms" },
      { name: "gateway.forward_p50_ms", value: percentile(fwd, 0.5), unit: "ms" },
    ];
  } finally {
    await gateway.stop();
    await new Promise<void>((resolve) => {
      upstream.close(() => resolve());
      upstream.closeAllConnections();
    });
    await close();
  }
}
