// A real HTTP JSON-RPC server for tests: answers recorded results per method, can omit methods (as ELs
// without the debug API do), hang (timeouts), answer batches out of order, and check a JWT.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type RpcHandler = (params: unknown[]) => unknown;

interface RpcRequest {
  id: unknown;
  method: string;
  params: unknown[];
}

export class RpcTestServer {
  readonly handlers = new Map<string, RpcHandler>();
  /** Methods whose requests are never answered. */
  readonly hang = new Set<string>();
  readonly calls: RpcRequest[] = [];
  readonly authHeaders: (string | undefined)[] = [];
  httpStatus = 200;
  reverseBatches = true;
  url = "";
  private server?: Server;
  private readonly open = new Set<ServerResponse>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const r of this.open) r.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private answer(r: RpcRequest): unknown {
    const h = this.handlers.get(r.method);
    if (!h)
      return {
        jsonrpc: "2.0",
        id: r.id,
        error: { code: -32601, message: `the method ${r.method} does not exist/is not available` },
      };
    try {
      return { jsonrpc: "2.0", id: r.id, result: h(r.params) };
    } catch (e) {
      return {
        jsonrpc: "2.0",
        id: r.id,
        // A handler may pick the JSON-RPC error code by throwing an error with a numeric `code`.
        error: {
          code: typeof (e as { code?: unknown }).code === "number" ? (e as { code: number }).code : -32000,
          message: e instanceof Error ? e.message : String(e),
        },
      };
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = "";
    for await (const chunk of req) body += String(chunk);
    this.authHeaders.push(req.headers.authorization);
    if (this.httpStatus !== 200) {
      res.writeHead(this.httpStatus, { "content-type": "text/plain" });
      res.end("unavailable");
      return;
    }
    const parsed = JSON.parse(body) as RpcRequest | RpcRequest[];
    const list = Array.isArray(parsed) ? parsed : [parsed];
    for (const r of list) this.calls.push(r);
    if (list.some((r) => this.hang.has(r.method))) {
      this.open.add(res);
      return;
    }
    const answers = list.map((r) => this.answer(r));
    if (this.reverseBatches) answers.reverse();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(Array.isArray(parsed) ? answers : answers[0]));
  }
}
