// GET /health — 200 {"status":"ok"} only while the node follows the chain; otherwise 503 with the reason
// (`syncing`, `beacon node unreachable`, `execution client unreachable`, …) so a load balancer, a
// compose healthcheck or an operator's curl sees what is wrong. Without a check (a bare listener, the
// gateway) it answers 200 while the listener serves, as zkboost does.
import { sendJson } from "../http/respond.ts";
import type { RouteHandler } from "../http/server.ts";

export type HealthStatus = { ok: true } | { ok: false; reason: string };

/** The node's current health, cheap to call per request (it reads state, it does no I/O). */
export type HealthCheck = () => HealthStatus;

export function getHealth(check?: HealthCheck): RouteHandler {
  return (_req, res) => {
    const status = check?.() ?? { ok: true };
    if (status.ok) sendJson(res, 200, { status: "ok" });
    else sendJson(res, 503, { status: "unavailable", reason: status.reason });
  };
}
