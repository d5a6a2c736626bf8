// Serves `/metrics` (Prometheus text format) as a plain node:http handler the API server can mount.
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorMessage } from "../util/errors.ts";
import type { EproofMetrics } from "./eproofMetrics.ts";

export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function metricsHandler(metrics: EproofMetrics): MetricsHandler {
  return async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "application/json" });
      res.end(JSON.stringify({ code: 405, message: "use GET /metrics" }));
      return;
    }
    try {
      const body = await metrics.scrape();
      res.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch (e) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: 500, message: `metrics collection failed: ${errorMessage(e)}` }));
    }
  };
}
