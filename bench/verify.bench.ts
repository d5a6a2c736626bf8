// verify.*: the in-process SP1 Hypercube verifier on ere's real fixture proof. verify.sp1_ms (p50, p99
// over RUNS) through the worker pool with the public-values binding, the RSS the verifier adds, the
// event-loop delay on the main thread meanwhile; verify.sp1_vs_reexec_ratio: in the same run, stateless
// re-execution of Hoodi 1265656 divided by the SP1 verify time; verify.gateway_new_payload_p99_ms:
// engine_newPayload answered from verified proofs while an SP1 verification is always in flight, beside
// the same calls with the verifier idle (on 2 cores the wasm worker takes one of them).
import { readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { engineParamsFromNpr } from "../src/gateway/enginePayload.ts";
import { parseJwtSecret, signJwt } from "../src/gateway/jwt.ts";
import { createGateway } from "../src/gateway/server.ts";
import { publicValuesMismatch } from "../src/proving/backends/ereGuestIo.ts";
import { verifySp1Proof } from "../src/proving/backends/sp1.ts";
import { Sp1VerifierPool } from "../src/proving/backends/sp1Pool.ts";
import { decodeSp1ProgramVk } from "../src/proving/backends/sp1Proof.ts";
import { validateStatelessBlock } from "../src/stateless/engine.ts";
import { readEthrexCache } from "../src/stateless/fixtureFiles.ts";
import { silentLogger } from "../src/util/logger.ts";
import { readFixture } from "../test/support/fixtures.ts";
import type { BenchFigure } from "./figure.ts";
import { provenPayload } from "./provenPayload.ts";

const RUNS = 25;
const WARMUP = 3;
const REEXEC_RUNS = 3;
const GATEWAY_CALLS = 400;
const SP1 = "zkvm-proofs/sp1/";
const HOODI = new URL("../../shared/fixtures/hoodi/", import.meta.url).pathname;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

const round = (v: number) => Math.round(v * 10) / 10;

async function reexecMs(): Promise<number> {
  const json = JSON.parse(readFileSync(`${HOODI}1265656-ethrex-replay-cache.json`, "utf8"));
  const times: number[] = [];
  for (let i = 0; i < REEXEC_RUNS + 1; i++) {
    // A fresh decode per run, outside the clock: per-object caches must not carry over.
    const b = readEthrexCache(json, "1265656")[0];
    if (!b) throw new Error("Hoodi 1265656 fixture is empty");
    const t0 = performance.now();
    const v = await validateStatelessBlock(b.block, b.witness, b.common);
    const ms = performance.now() - t0;
    if (!v.valid) throw new Error(`Hoodi 1265656 does not validate: ${v.reason}`);
    if (i > 0) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const CLIENT_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  const { url, token, body, runs } = workerData;
  const headers = { authorization: "Bearer " + token, "content-type": "application/json" };
  const times = [];
  for (let i = 0; i < runs + 20; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { method: "POST", headers, body });
    const text = await res.text();
    if (!text.includes('"VALID"')) throw new Error("unexpected answer: " + text.slice(0, 200));
    if (i >= 20) times.push(performance.now() - t0);
  }
  parentPort.postMessage(times);
})();
`;

/** newPayload answered from a verified proof while `busy` keeps SP1 verifications running. */
async function gatewayWithSp1InFlight(
  busy?: () => Promise<unknown>,
): Promise<{ p99: number; p50: number; verified: number }> {
  const { service, npr, close } = await provenPayload("verify", 5);
  const secret = parseJwtSecret("5a".repeat(32));
  const gateway = createGateway(
    { port: 0, jwtSecret: secret, mode: "proofs-only", k: 1, waitMs: 0, mirrorToUpstream: false },
    { logger: silentLogger(), proofService: service },
  );
  const { port } = await gateway.start();
  let stop = false;
  let verified = 0;
  const loop = (async () => {
    while (busy && !stop) {
      await busy();
      verified++;
    }
  })();
  try {
    const call = engineParamsFromNpr(npr);
    const worker = new Worker(CLIENT_SOURCE, {
      eval: true,
      workerData: {
        url: `http://127.0.0.1:${port}/`,
        token: signJwt(secret, Math.floor(Date.now() / 1000)),
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: call.method, params: call.params }),
        runs: GATEWAY_CALLS,
      },
    });
    const times = await new Promise<number[]>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    times.sort((a, b) => a - b);
    return { p99: percentile(times, 0.99), p50: percentile(times, 0.5), verified };
  } finally {
    stop = true;
    await loop;
    await gateway.stop();
    await close();
  }
}

export async function run(): Promise<BenchFigure[]> {
  const proof = readFixture(`${SP1}proof.bin`);
  const vk = decodeSp1ProgramVk(readFixture(`${SP1}program_vk.bin`));
  const expected = readFixture(`${SP1}public_values.bin`);
  const rule = (pv: Uint8Array) => publicValuesMismatch(pv, expected);
  const rssBefore = process.memoryUsage().rss;
  const pool = new Sp1VerifierPool({ workers: 1, timeoutMs: 60_000 });
  try {
    const verifyOnce = async () => {
      const r = await verifySp1Proof(pool, proof, vk, rule);
      if (!r.valid) throw new Error(`the SP1 fixture does not verify: ${r.reason}`);
    };
    for (let i = 0; i < WARMUP; i++) await verifyOnce();
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await verifyOnce();
      times.push(performance.now() - t0);
    }
    delay.disable();
    times.sort((a, b) => a - b);
    const rssMb = (process.memoryUsage().rss - rssBefore) / (1024 * 1024);
    const p50 = percentile(times, 0.5);

    const reexec = await reexecMs();
    const idle = await gatewayWithSp1InFlight();
    const gw = await gatewayWithSp1InFlight(verifyOnce);
    return [
      {
        name: "verify.sp1_ms_p50",
        value: round(p50),
        unit: "ms",
        target: "tens of ms (84 ms measured at filing)",
      },
      { name: "verify.sp1_ms_p99", value: round(percentile(times, 0.99)), unit: "ms" },
      { name: "verify.sp1_rss_mb", value: Math.round(rssMb), unit: "MiB", target: "~117 MiB at filing" },
      {
        name: "verify.sp1_event_loop_delay_p99_ms",
        value: round(delay.percentile(99) / 1e6),
        unit: "ms",
        target: "small beside the verify time (the STARK runs on a worker)",
      },
      { name: "verify.reexec_hoodi_1265656_ms", value: round(reexec), unit: "ms" },
      {
        name: "verify.sp1_vs_reexec_ratio",
        value: round(reexec / p50),
        unit: "x",
        target: "> 1 (a proof cheaper to check than its block)",
      },
      {
        name: "verify.gateway_new_payload_p99_ms",
        value: round(gw.p99),
        unit: "ms",
        target: "≤ 2 ms with an SP1 verification in flight",
      },
      { name: "verify.gateway_new_payload_p50_ms", value: round(gw.p50), unit: "ms" },
      // The same calls with no verification running: what this machine's cores give without the verifier.
      { name: "verify.gateway_new_payload_idle_p99_ms", value: round(idle.p99), unit: "ms" },
      { name: "verify.gateway_sp1_verified_meanwhile", value: gw.verified, unit: "proofs" },
    ];
  } finally {
    await pool.close();
  }
}
