import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  createDashboardHandler,
  DashboardState,
  dashboardBlockFromSummary,
  dashboardGpuFromSample,
  dashboardRoutes,
  fleetMetricsWithDashboard,
} from "../../src/dashboard/index.ts";
import { createMetrics } from "../../src/metrics/index.ts";

const block = (slot: number, provedMs: number | null, proofTypes = ["reth-zisk"]) => ({
  slot,
  blockHash: `0x${slot.toString(16).padStart(64, "0")}`,
  gasUsed: 30_000_000n,
  txs: 120,
  stages: { witness: 500, prove: provedMs === null ? null : provedMs - 600, publish: 100 },
  provedMs,
  proofTypes: provedMs === null ? [] : proofTypes,
  verifiedBy: 3,
});

describe("DashboardState", () => {
  it("keeps a bounded ring of slots in slot order and replaces a re-recorded slot", () => {
    const state = new DashboardState({ maxSlots: 3 });
    for (const slot of [10, 12, 11, 13]) state.recordBlock(block(slot, 8_000));
    state.recordBlock(block(12, 12_000));
    const snap = state.snapshot();
    expect(snap.slots.map((b) => b.slot)).toEqual([11, 12, 13]);
    expect(snap.slots[1]).toMatchObject({ provedMs: 12_000, outcome: "late", gasUsed: 30_000_000 });
    // A null stage is dropped rather than drawn as 0.
    state.recordBlock(block(14, null));
    expect(state.snapshot().slots[2]?.stages).toEqual({ witness: 500, publish: 100 });
  });

  it("derives coverage, latency quantiles and per-type counts", () => {
    const state = new DashboardState({ budgetMs: 10_000 });
    state.recordBlock(block(1, 6_000, ["reth-zisk", "ethrex-sp1"]));
    state.recordBlock(block(2, 9_000));
    state.recordBlock(block(3, 11_000));
    state.recordBlock(block(4, null));
    const snap = state.snapshot();
    expect(snap.coverage).toEqual({ blocks: 4, inTime: 2, ratio: 0.5 });
    expect(snap.latency).toEqual({ p50: 9_000, p90: 11_000, max: 11_000 });
    expect(snap.proofTypes).toEqual({ "reth-zisk": 3, "ethrex-sp1": 1 });
    expect(snap.slots.map((b) => b.outcome)).toEqual(["in_time", "in_time", "late", "missed"]);
  });

  it("sums GPU power into a bounded history and notifies subscribers", () => {
    let now = 0;
    const state = new DashboardState({ historyPoints: 2, clock: { now: () => now, sleep: async () => {} } });
    let calls = 0;
    const off = state.subscribe(() => calls++);
    const gpu = (id: string, w: number) => ({
      gpu: id,
      model: "RTX 5090",
      powerWatts: w,
      utilization: 0.5,
      temperatureCelsius: 60,
      memoryUsedBytes: 1,
      memoryTotalBytes: 2,
    });
    for (const w of [100, 200, 300]) {
      now += 1_000;
      state.recordGpu([gpu("0", w), gpu("1", w)]);
    }
    state.recordPeers(7, 2);
    off();
    state.recordPeers(8);
    const snap = state.snapshot();
    expect(snap.power.history).toEqual([
      { at: 2_000, value: 400 },
      { at: 3_000, value: 600 },
    ]);
    expect(snap.power.currentWatts).toBe(600);
    expect(snap.peers).toMatchObject({ current: 8, proofAware: 2 });
    expect(calls).toBe(4);
  });

  it("maps a settled BlockSummary onto a timeline entry", () => {
    const input = dashboardBlockFromSummary(
      {
        root: "0x01",
        slot: 5,
        block: "0xbeef",
        gas: 1_000,
        txs: 2,
        npr_ms: 10,
        witness_ms: 400,
        input_ms: null,
        queue_ms: 5,
        prove_ms: 6_000,
        sign_ms: 3,
        publish_ms: 40,
        total_ms: 6_458,
        margin_ms: 3_542,
        proofTypes: ["reth-zisk"],
        published: ["reth-zisk"],
        failed: {},
        outcome: "in_time",
      },
      4,
    );
    const state = new DashboardState();
    state.recordBlock(input);
    expect(state.snapshot().slots[0]).toMatchObject({
      slot: 5,
      provedMs: 6_458,
      verifiedBy: 4,
      stages: { npr: 10, witness: 400, queue: 5, prove: 6_000, sign: 3, publish: 40 },
    });
  });
});

describe("dashboardGpuFromSample", () => {
  it("converts an nvidia-smi sample (MiB, percent) for the GPU tiles", () => {
    const state = new DashboardState();
    state.recordGpu([
      dashboardGpuFromSample({
        index: 3,
        uuid: "GPU-x",
        name: "NVIDIA L40S",
        powerDrawW: 250,
        utilizationPct: 80,
        memoryUsedMiB: 1024,
        memoryTotalMiB: 46_068,
        temperatureC: 60,
      }),
      dashboardGpuFromSample({ index: 4, uuid: "GPU-y", name: "NVIDIA L40S" }),
    ]);
    const snap = state.snapshot();
    expect(snap.gpus[0]).toEqual({
      gpu: "3",
      model: "NVIDIA L40S",
      powerWatts: 250,
      utilization: 0.8,
      temperatureCelsius: 60,
      memoryUsedBytes: 1024 ** 3,
      memoryTotalBytes: 46_068 * 1024 ** 2,
    });
    expect(snap.gpus[1]?.powerWatts).toBe(0);
    expect(snap.power.currentWatts).toBe(250);
  });

  it("tees the GPU sampler's per-GPU samples into metrics and the dashboard", async () => {
    let now = 10_000;
    const state = new DashboardState({ clock: { now: () => now, sleep: async () => {} } });
    const metrics = createMetrics({ processMetrics: false });
    const fleet = fleetMetricsWithDashboard(metrics, state);
    for (const round of [0, 1]) {
      for (const index of [0, 1, 2]) {
        fleet.recordGpu({
          index,
          uuid: `GPU-${index}`,
          name: "NVIDIA GeForce RTX 5090",
          powerDrawW: 100 + round,
        });
        now += 10;
      }
      now += 5_000;
    }
    fleet.recordGpuSampleError?.("nvidia-smi exited 9");
    const snap = state.snapshot();
    expect(snap.gpus.map((g) => g.gpu)).toEqual(["0", "1", "2"]);
    // One chart point per round, holding the round's total.
    expect(snap.power.history.map((p) => p.value)).toEqual([300, 303]);
    const text = await metrics.scrape();
    expect(text).toContain("eproof_fleet_power_watts 303");
    expect(text).toContain('eproof_gpu_sample_errors_total{reason="nvidia-smi exited 9"} 1');
  });
});

describe("dashboard HTTP handler", () => {
  let server: Server | undefined;
  afterEach(async () => {
    const s = server;
    server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  });

  async function serve(state: DashboardState): Promise<string> {
    const handler = createDashboardHandler({ state, pushIntervalMs: 10 });
    server = createServer((req, res) => {
      void handler(req, res).then((handled) => {
        if (!handled) {
          res.writeHead(418);
          res.end();
        }
      });
    });
    const s = server;
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  }

  it("serves the page, assets and state, and leaves other paths alone", async () => {
    const state = new DashboardState();
    state.recordBlock(block(100, 7_000));
    const base = await serve(state);
    const redirect = await fetch(`${base}/dashboard`, { redirect: "manual" });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toBe("/dashboard/");
    const page = await fetch(`${base}/dashboard/`);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script src="app.js">');
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(`${base}/dashboard/app.js`)).headers.get("content-type")).toContain("javascript");
    const snap = await (await fetch(`${base}/dashboard/api/state`)).json();
    expect(snap.slots[0].slot).toBe(100);
    expect((await fetch(`${base}/dashboard/nope`)).status).toBe(404);
    expect((await fetch(`${base}/dashboard/api/state`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${base}/metrics`)).status).toBe(418);
    // Every advertised route is served (not 404, not left to the next handler).
    for (const route of dashboardRoutes()) {
      if (route.endsWith("/events")) continue;
      const r = await fetch(`${base}${route}`, { redirect: "manual" });
      expect([200, 301], route).toContain(r.status);
    }
  });

  it("pushes a new snapshot over SSE when the state changes", async () => {
    const state = new DashboardState();
    const base = await serve(state);
    const ac = new AbortController();
    const res = await fetch(`${base}/dashboard/api/events`, { signal: ac.signal });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body?.getReader();
    if (reader === undefined) throw new Error("no body");
    const decoder = new TextDecoder();
    let buf = "";
    const nextState = async (): Promise<{ slots: { slot: number }[] }> => {
      for (;;) {
        const end = buf.indexOf("\n\n");
        if (end >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = frame.split("\n").find((l) => l.startsWith("data: "));
          if (data) return JSON.parse(data.slice(6));
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buf += decoder.decode(value, { stream: true });
      }
    };
    expect((await nextState()).slots).toEqual([]);
    state.recordBlock(block(7, 5_000));
    expect((await nextState()).slots.map((b) => b.slot)).toEqual([7]);
    ac.abort();
  });
});
