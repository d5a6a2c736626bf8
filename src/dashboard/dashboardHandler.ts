// HTTP side of the live dashboard, as a node:http handler the API server mounts: the static page
// (from ./static, no CDN), `GET <base>/api/state` (JSON snapshot) and `GET <base>/api/events` (SSE
// pushing a snapshot on every change, throttled). Returns false for paths it does not own.
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DashboardState } from "./dashboardState.ts";

export type DashboardHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface DashboardHandlerOpts {
  state: DashboardState;
  /** Mount point, without a trailing slash. */
  basePath?: string;
  /** Browsers connected to the event stream at once; more get 503 and fall back to polling. */
  maxEventClients?: number;
  /** Minimum gap between two pushed snapshots (ms). */
  pushIntervalMs?: number;
  /** SSE keep-alive comment interval (ms). */
  keepAliveMs?: number;
}

export const defaultDashboardHandlerOpts = {
  basePath: "/dashboard",
  maxEventClients: 32,
  pushIntervalMs: 250,
  keepAliveMs: 15_000,
};

const STATIC_FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};

// Everything comes from this origin: a CDN reference would be blocked, not silently loaded.
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
  "x-content-type-options": "nosniff",
};

const STATIC_DIR = new URL("./static/", import.meta.url);

/** The handler for routers whose handlers return nothing (src/http's HttpServer): 404 when not handled. */
export function dashboardRouteHandler(
  handler: DashboardHandler,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    if (!(await handler(req, res))) sendJson(res, 404, { code: 404, message: "not a dashboard path" });
  };
}

/** Every path the handler serves under `basePath`, for routers that match exact paths. */
export function dashboardRoutes(basePath = defaultDashboardHandlerOpts.basePath): string[] {
  const base = basePath.replace(/\/$/, "");
  return [
    base,
    `${base}/`,
    ...Object.keys(STATIC_FILES)
      .filter((k) => k !== "/")
      .map((k) => `${base}${k}`),
    `${base}/api/state`,
    `${base}/api/events`,
  ];
}

export function createDashboardHandler(opts: DashboardHandlerOpts): DashboardHandler {
  const base = (opts.basePath ?? defaultDashboardHandlerOpts.basePath).replace(/\/$/, "");
  const maxClients = opts.maxEventClients ?? defaultDashboardHandlerOpts.maxEventClients;
  const pushIntervalMs = opts.pushIntervalMs ?? defaultDashboardHandlerOpts.pushIntervalMs;
  const keepAliveMs = opts.keepAliveMs ?? defaultDashboardHandlerOpts.keepAliveMs;
  const cache = new Map<string, Buffer>();
  let clients = 0;

  const serveStatic = async (res: ServerResponse, entry: { file: string; type: string }) => {
    let body = cache.get(entry.file);
    if (body === undefined) {
      body = await readFile(new URL(entry.file, STATIC_DIR));
      cache.set(entry.file, body);
    }
    res.writeHead(200, { "content-type": entry.type, "cache-control": "no-cache", ...SECURITY_HEADERS });
    res.end(body);
  };

  const serveEvents = (req: IncomingMessage, res: ServerResponse) => {
    if (clients >= maxClients) {
      sendJson(res, 503, { code: 503, message: `too many dashboard event clients (max ${maxClients})` });
      return;
    }
    clients++;
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    const push = () => res.write(`event: state\ndata: ${JSON.stringify(opts.state.snapshot())}\n\n`);
    push();
    let lastPush = Date.now();
    let pending: ReturnType<typeof setTimeout> | undefined;
    // Coalesce bursts (a telemetry round touches many fields) into one push per interval.
    const unsubscribe = opts.state.subscribe(() => {
      if (pending !== undefined) return;
      const wait = Math.max(0, lastPush + pushIntervalMs - Date.now());
      pending = setTimeout(() => {
        pending = undefined;
        lastPush = Date.now();
        push();
      }, wait);
    });
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), keepAliveMs);
    const close = () => {
      clients--;
      unsubscribe();
      clearInterval(keepAlive);
      if (pending !== undefined) clearTimeout(pending);
    };
    req.once("close", close);
  };

  return async (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== base && !path.startsWith(`${base}/`)) return false;
    const sub = path.slice(base.length);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      sendJson(res, 405, { code: 405, message: "the dashboard is read-only: use GET" });
      return true;
    }
    if (sub === "/api/state") {
      sendJson(res, 200, opts.state.snapshot());
      return true;
    }
    if (sub === "/api/events") {
      serveEvents(req, res);
      return true;
    }
    if (sub === "") {
      // The page uses relative URLs (app.js, api/state), which need the trailing slash.
      res.writeHead(301, { location: `${base}/` });
      res.end();
      return true;
    }
    const entry = STATIC_FILES[sub];
    if (entry === undefined) {
      sendJson(res, 404, { code: 404, message: `no dashboard resource ${sub}` });
      return true;
    }
    await serveStatic(res, entry);
    return true;
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}
