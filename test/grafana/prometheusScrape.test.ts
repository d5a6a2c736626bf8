// A real Prometheus on loopback scrapes a real eproof /metrics endpoint; every dashboard expression
// is then evaluated by that Prometheus and must return data. Bounded: stops itself within ~100 s.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { metricsHandler } from "../../src/metrics/index.ts";
import { substituteGrafanaVars } from "./promql.ts";
import { metricsWithSamples, recordSamples } from "./sampleMetrics.ts";

const PROMETHEUS = "/usr/bin/prometheus";
if (!existsSync(PROMETHEUS)) {
  console.warn(`SKIPPED Prometheus scrape test: ${PROMETHEUS} is missing (apt-get install -y prometheus)`);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface QueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: unknown[] | [number, string] };
}

async function query(base: string, expr: string): Promise<QueryResult> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await res.json()) as QueryResult;
}

function dashboardExpressions(): string[] {
  const d = JSON.parse(readFileSync("grafana/dashboards/eproof.json", "utf8")) as {
    panels: { targets?: { expr: string }[] }[];
  };
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => substituteGrafanaVars(t.expr, "1m")));
}

describe.skipIf(!existsSync(PROMETHEUS))("real Prometheus scraping eproof", () => {
  it("evaluates every dashboard expression to data", { timeout: 120_000 }, async () => {
    const metrics = metricsWithSamples();
    const handler = metricsHandler(metrics);
    const server: Server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const promPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "eproof-prom-"));
    const config = join(dir, "prometheus.yml");
    writeFileSync(
      config,
      [
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "scrape_configs:",
        "  - job_name: eproof",
        "    static_configs:",
        `      - targets: ["${target}"]`,
        "",
      ].join("\n"),
    );
    let round = 1;
    const feeder = setInterval(() => recordSamples(metrics, round++), 400);
    let stderr = "";
    const prom: ChildProcess = spawn(
      PROMETHEUS,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        "--log.level=warn",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    prom.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const base = `http://127.0.0.1:${promPort}`;
    try {
      // Wait until Prometheus holds a few scrapes, so rate() has points to work with.
      const deadline = Date.now() + 90_000;
      for (;;) {
        if (Date.now() > deadline) throw new Error(`Prometheus never scraped eproof: ${stderr}`);
        if (prom.exitCode !== null) throw new Error(`Prometheus exited ${prom.exitCode}: ${stderr}`);
        try {
          const r = await query(base, "count_over_time(eproof_info[1m])");
          const first = (r.data?.result as { value: [number, string] }[] | undefined)?.[0];
          if (first !== undefined && Number(first.value[1]) >= 4) break;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      const empty: string[] = [];
      for (const expr of dashboardExpressions()) {
        const r = await query(base, expr);
        expect(r.status, `${expr}: ${r.error ?? ""}`).toBe("success");
        const result = r.data?.result;
        if (!Array.isArray(result) || result.length === 0) empty.push(expr);
      }
      expect(empty).toEqual([]);
    } finally {
      clearInterval(feeder);
      prom.kill("SIGTERM");
      await new Promise<void>((resolve) => {
        if (prom.exitCode !== null) return resolve();
        const force = setTimeout(() => prom.kill("SIGKILL"), 5_000);
        prom.once("exit", () => {
          clearTimeout(force);
          resolve();
        });
      });
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
