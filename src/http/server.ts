// A small router on node:http shared by every eproof listener (proof-engine API, status API,
// Engine API gateway, metrics, dashboard): path parameters, body limits, CORS allow-list, one
// error shape. Binds 127.0.0.1 unless told otherwise.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "../util/logger.ts";
import { readBody } from "./body.ts";
import { HttpError, sendError, toHttpError } from "./errors.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD";

export interface RouteContext {
  /** Path parameters from `{name}` segments, already percent-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Reads the request body, enforcing the route's (or the server's) byte limit. */
  body(): Promise<Buffer>;
}

export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RouteContext,
) => Promise<void> | void;

export interface RouteOpts {
  /** Overrides the server's body limit for this route. */
  maxBodyBytes?: number;
}

export interface HttpServerOpts {
  host: string;
  /** 0 picks a free port. */
  port: number;
  maxBodyBytes: number;
  /** Origins allowed to call cross-origin; empty = CORS off. "*" allows any origin. */
  corsOrigins: readonly string[];
  /** Name used in log lines ("api", "gateway"). */
  name: string;
  /**
   * Most open connections. At the cap a new connection closes the oldest idle one (no request in
   * flight), or is closed itself when every one is busy: idle sockets cannot starve /health, nor
   * the process of file descriptors.
   */
  maxConnections: number;
}

export const defaultHttpServerOpts: HttpServerOpts = {
  host: "127.0.0.1",
  port: 0,
  maxBodyBytes: 1024 * 1024,
  corsOrigins: [],
  name: "http",
  maxConnections: 512,
};

export interface HttpServerModules {
  logger: Logger;
}

interface Route {
  method: HttpMethod;
  segments: string[];
  handler: RouteHandler;
  maxBodyBytes: number;
}

export class HttpServer {
  private readonly opts: HttpServerOpts;
  private readonly logger: Logger;
  private readonly routes: Route[] = [];
  private server: Server | undefined;
  /** Open connections, oldest first, with the number of requests in flight on each. */
  private readonly connections = new Map<Socket, { inFlight: number }>();
  private refusedConnections = 0;

  constructor(opts: Partial<HttpServerOpts>, modules: HttpServerModules) {
    this.opts = { ...defaultHttpServerOpts, ...opts };
    this.logger = modules.logger;
  }

  /** Adds a route; `path` segments written `{name}` capture a parameter. Later routes never shadow earlier ones. */
  route(method: HttpMethod, path: string, handler: RouteHandler, opts: RouteOpts = {}): this {
    this.routes.push({
      method,
      segments: splitPath(path),
      handler,
      maxBodyBytes: opts.maxBodyBytes ?? this.opts.maxBodyBytes,
    });
    return this;
  }

  get port(): number | undefined {
    const addr = this.server?.address();
    return addr && typeof addr === "object" ? (addr as AddressInfo).port : undefined;
  }

  async start(): Promise<{ port: number; host: string }> {
    if (this.server) throw new Error(`${this.opts.name} server already started`);
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.logger.error({ err: e }, "unhandled error in HTTP handler");
        sendError(res, HttpError.internal("internal error"));
      });
    });
    // Bounded header/request time: a slow client cannot hold a socket forever.
    server.headersTimeout = 10_000;
    server.requestTimeout = 60_000;
    server.on("connection", (socket: Socket) => this.admitConnection(socket));
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      const conn = this.connections.get(req.socket);
      if (!conn) return;
      conn.inFlight++;
      res.once("close", () => {
        conn.inFlight--;
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const port = this.port ?? this.opts.port;
    this.logger.info({ server: this.opts.name, host: this.opts.host, port }, "HTTP server listening");
    return { port, host: this.opts.host };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // SSE streams and keep-alive sockets would otherwise hold close() open.
      server.closeAllConnections();
    });
  }

  /** Open connections and those closed at the cap since start (for tests and status). */
  connectionStats(): { open: number; refused: number } {
    return { open: this.connections.size, refused: this.refusedConnections };
  }

  private admitConnection(socket: Socket): void {
    if (this.connections.size >= this.opts.maxConnections) {
      let idle: Socket | undefined;
      for (const [s, c] of this.connections) {
        if (c.inFlight === 0) {
          idle = s;
          break;
        }
      }
      this.refusedConnections++;
      if (this.refusedConnections === 1 || this.refusedConnections % 1000 === 0) {
        this.logger.warn(
          {
            server: this.opts.name,
            maxConnections: this.opts.maxConnections,
            refused: this.refusedConnections,
          },
          "HTTP connection cap reached: closing idle connections",
        );
      }
      if (!idle) {
        socket.destroy();
        return;
      }
      this.connections.delete(idle);
      idle.destroy();
    }
    this.connections.set(socket, { inFlight: 0 });
    socket.once("close", () => this.connections.delete(socket));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    const corsOrigin = this.allowedOrigin(req);
    if (corsOrigin) {
      res.setHeader("access-control-allow-origin", corsOrigin);
      res.setHeader("vary", "origin");
      if (method === "OPTIONS") {
        res.writeHead(204, {
          "access-control-allow-methods": "GET, POST, OPTIONS",
          "access-control-allow-headers": "content-type, authorization",
          "access-control-max-age": "600",
        });
        res.end();
        return;
      }
    }

    const segments = splitPath(url.pathname);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== method && !(route.method === "GET" && method === "HEAD")) continue;
      const ctx: RouteContext = {
        params,
        query: url.searchParams,
        body: () => readBody(req, route.maxBodyBytes),
      };
      try {
        await route.handler(req, res, ctx);
      } catch (e) {
        const err = toHttpError(e);
        if (err.status >= 500) this.logger.warn({ err: e, path: url.pathname }, "HTTP handler failed");
        if (err.status === 413) res.setHeader("connection", "close");
        sendError(res, err);
      }
      return;
    }
    sendError(
      res,
      pathMatched
        ? HttpError.methodNotAllowed(method, url.pathname)
        : HttpError.notFound(`no route ${url.pathname}`),
    );
  }

  private allowedOrigin(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    if (!origin || this.opts.corsOrigins.length === 0) return undefined;
    if (this.opts.corsOrigins.includes("*")) return "*";
    return this.opts.corsOrigins.includes(origin) ? origin : undefined;
  }
}

function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const a = actual[i] as string;
    if (p.startsWith("{") && p.endsWith("}")) {
      try {
        params[p.slice(1, -1)] = decodeURIComponent(a);
      } catch {
        return undefined;
      }
    } else if (p !== a) {
      return undefined;
    }
  }
  return params;
}
