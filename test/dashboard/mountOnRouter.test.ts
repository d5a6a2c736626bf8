// The handlers mount on eproof's own router (src/http/server.ts) as the daemon mounts them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDashboardHandler,
  DashboardState,
  dashboardRouteHandler,
  dashboardRoutes,
} from "../../src/dashboard/index.ts";
import { HttpServer } from "../../src/http/server.ts";
import { createMetrics, metricsHandler } from "../../src/metrics/index.ts";
import { silentLogger } from "../../src/util/logger.ts";

describe("metrics and dashboard on the HttpServer router", () => {
  const state = new DashboardState();
  const metrics = createMetrics({ processMetrics: false });
  const server = new HttpServer({ name: "api" }, { logger: silentLogger() });
  let base = "";

  beforeAll(async () => {
    server.route("GET", "/metrics", metricsHandler(metrics));
    const dashboard = dashboardRouteHandler(createDashboardHandler({ state }));
    for (const path of dashboardRoutes()) server.route("GET", path, dashboard);
    const { port } = await server.start();
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(() => server.stop());

  it("serves /metrics, the page via its redirect, and live state", async () => {
    metrics.recordPeers(5);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('eproof_peers{kind="all"} 5');
    const page = await fetch(`${base}/dashboard`);
    expect(page.url).toBe(`${base}/dashboard/`);
    expect(await page.text()).toContain("Per-slot proving latency");
    state.recordPeers(11);
    const snap = (await (await fetch(`${base}/dashboard/api/state`)).json()) as {
      peers: { current: number };
    };
    expect(snap.peers.current).toBe(11);
    expect((await fetch(`${base}/dashboard/style.css`)).headers.get("content-type")).toContain("text/css");
  });
});
