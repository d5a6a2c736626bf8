// A real JSON-RPC HTTP server standing in for the upstream execution client: it checks the
// gateway's JWT against its own secret, records calls and answers from a per-method table.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyJwt } from "../../../src/gateway/jwt.ts";

export interface UpstreamCall {
  method: string;
  params: unknown[];
}

export type UpstreamReply = { result: unknown } | { error: { code: number; message: string } };

export class UpstreamEl {
  readonly calls: UpstreamCall[] = [];
  readonly secret: Uint8Array;
  readonly replies = new Map<string, UpstreamReply>();
  authFailures = 0;
  private server: Server | undefined;
  url = "";

  constructor(secret: Uint8Array) {
    this.secret = secret;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      try {
        verifyJwt(req.headers.authorization, this.secret, Math.floor(Date.now() / 1000));
      } catch {
        this.authFailures++;
        res.writeHead(401).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          id: number;
          method: string;
          params: unknown[];
        };
        this.calls.push({ method: body.method, params: body.params });
        const reply = this.replies.get(body.method) ?? {
          error: { code: -32601, message: `no such method ${body.method}` },
        };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, ...reply }));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  callsOf(method: string): UpstreamCall[] {
    return this.calls.filter((c) => c.method === method);
  }
}
