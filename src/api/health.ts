// GET /health — 200 while the listener serves (zkboost answers an empty 200; we add a small body).
import { sendJson } from "../http/respond.ts";
import type { RouteHandler } from "../http/server.ts";

export function getHealth(): RouteHandler {
  return (_req, res) => sendJson(res, 200, { status: "ok" });
}
