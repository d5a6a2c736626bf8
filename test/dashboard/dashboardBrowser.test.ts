// End to end: the real dashboard handler on a node:http server, fed live while headless Chromium
// has the page open; checks that the SVG panels render and follow the data, and saves a screenshot.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboardHandler, type DashboardGpu, DashboardState } from "../../src/dashboard/index.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`SKIPPED dashboard browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);
}

/** A deterministic pseudo-random sequence, so the picture is the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

function feedSlot(state: DashboardState, slot: number, rand: () => number): void {
  const missed = slot % 17 === 0;
  const witness = 250 + rand() * 700;
  const queue = 5 + rand() * 60;
  const prove = 4_500 + rand() * (slot % 9 === 0 ? 8_000 : 4_000);
  const sign = 2 + rand() * 6;
  const publish = 20 + rand() * 120;
  const total = 40 + witness + queue + prove + sign + publish;
  const types = rand() > 0.3 ? ["reth-zisk", "ethrex-zisk"] : ["reth-zisk"];
  state.recordBlock({
    slot,
    blockHash: `0x${slot.toString(16).padStart(64, "a")}`,
    gasUsed: Math.round(12_000_000 + rand() * 30_000_000),
    txs: Math.round(80 + rand() * 250),
    stages: missed ? { npr: 40, witness } : { npr: 40, witness, queue, prove, sign, publish },
    provedMs: missed ? null : total,
    proofTypes: missed ? [] : types,
    verifiedBy: Math.round(rand() * 12),
  });
}

function gpus(rand: () => number): DashboardGpu[] {
  return Array.from({ length: 8 }, (_, i) => ({
    gpu: String(i),
    model: "NVIDIA GeForce RTX 5090",
    powerWatts: 380 + rand() * 190,
    utilization: 0.7 + rand() * 0.3,
    temperatureCelsius: 62 + rand() * 18,
    memoryUsedBytes: (18 + rand() * 12) * 2 ** 30,
    memoryTotalBytes: 32 * 2 ** 30,
  }));
}

describe.skipIf(!hasChromium)("dashboard in headless Chromium", () => {
  let server: Server;
  let base = "";
  const state = new DashboardState({ maxSlots: 48 });
  const rand = prng(8025);

  beforeAll(async () => {
    for (let slot = 13_000_000; slot < 13_000_040; slot++) feedSlot(state, slot, rand);
    for (let i = 0; i < 60; i++) {
      state.recordGpu(gpus(rand));
      state.recordPeers(40 + Math.round(rand() * 12), 9 + Math.round(rand() * 4));
    }
    const handler = createDashboardHandler({ state, pushIntervalMs: 50 });
    server = createServer((req, res) => {
      void handler(req, res).then((handled) => {
        if (!handled) {
          res.writeHead(404);
          res.end();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("renders live data as pictures and follows new slots", { timeout: 120_000 }, async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      await page.goto(`${base}/dashboard`);

      await page.waitForSelector("#conn.on");
      expect(await page.locator("#timeline g.slot").count()).toBe(40);
      expect(await page.locator("#timeline g.slot[data-outcome=missed]").count()).toBeGreaterThan(0);
      expect(await page.locator("#timeline rect.stage").count()).toBeGreaterThan(100);
      expect(await page.locator("#proof-types rect.type-bar").count()).toBe(2);
      expect(await page.locator("#gpus .gpu").count()).toBe(8);
      const coverage = (await page.locator("#coverage-value").textContent()) ?? "";
      expect(coverage).toMatch(/^\d+(\.\d)?%$/);
      const expected = state.snapshot().coverage.ratio ?? 0;
      expect(Number.parseFloat(coverage) / 100).toBeCloseTo(expected, 2);
      expect(await page.locator("#latency-value").textContent()).toMatch(/^\d+\.\d+ s$/);

      // Feed the state while the page is open: new slots and a new peer count must show up.
      for (let slot = 13_000_040; slot < 13_000_046; slot++) feedSlot(state, slot, rand);
      state.recordPeers(77, 21);
      state.recordGpu(gpus(rand));
      await page.waitForSelector('#timeline g.slot[data-slot="13000045"]');
      await page.waitForFunction(() => document.getElementById("peers-value")?.textContent === "77");
      expect(await page.locator("#head-slot").textContent()).toBe("slot 13000045");
      expect(await page.locator("#timeline g.slot").count()).toBe(46);
      expect(errors).toEqual([]);

      await mkdir("test-output", { recursive: true });
      await page.screenshot({ path: "test-output/dashboard.png", fullPage: true });
      expect(existsSync("test-output/dashboard.png")).toBe(true);

      // With the event stream refused (client limit 0) the page falls back to polling and still follows.
      const pollingState = new DashboardState();
      feedSlot(pollingState, 500, rand);
      const pollingHandler = createDashboardHandler({ state: pollingState, maxEventClients: 0 });
      const polling = createServer((req, res) => void pollingHandler(req, res));
      await new Promise<void>((r) => polling.listen(0, "127.0.0.1", r));
      try {
        const page2 = await browser.newPage();
        await page2.goto(`http://127.0.0.1:${(polling.address() as AddressInfo).port}/dashboard/`);
        await page2.waitForSelector('#timeline g.slot[data-slot="500"]');
        feedSlot(pollingState, 501, rand);
        await page2.waitForSelector('#timeline g.slot[data-slot="501"]', { timeout: 15_000 });
      } finally {
        polling.closeAllConnections();
        await new Promise<void>((r) => polling.close(() => r()));
      }
    } finally {
      await browser.close();
    }
  });
});
