// A test double of ere-server (no GPU here): real HTTP, Twirp routes, protobuf bodies, one prove at
// a time FIFO, a started prove runs to completion even if the client hangs up.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  decodeEreInput,
  decodeVerifyRequest,
  type EreInput,
  encodeExecuteResponse,
  encodeProgramVkResponse,
  encodeProveResponse,
  encodeVerifyResponse,
  PROTOBUF_CONTENT_TYPE,
} from "../../src/proving/backends/ereProtocol.ts";

export type EreServerMode =
  | { kind: "ok" }
  | { kind: "err"; message: string }
  | { kind: "twirp"; status: number; code: string; msg: string };

export interface EreServerOptions {
  /** How long each prove takes. */
  proveDelayMs?: number;
  mode?: EreServerMode;
  /** What the "guest" commits for an input; the test computes the expected bytes. */
  publicValuesFor: (input: EreInput) => Uint8Array;
  healthy?: boolean;
}

export interface EreServerRecord {
  path: string;
  contentType: string | undefined;
  input?: EreInput;
}

export class EreTestServer {
  readonly requests: EreServerRecord[] = [];
  /** Proves started / completed, and the most that ever ran at once. */
  started = 0;
  completed = 0;
  maxConcurrent = 0;
  options: EreServerOptions;
  private running = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly proofs = new Map<string, Uint8Array>();
  private readonly server: Server;
  private readonly completionWaiters: Array<() => void> = [];

  constructor(options: EreServerOptions) {
    this.options = options;
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Resolves once `n` proves have completed (whether or not anyone was still listening). */
  waitForCompleted(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.completed >= n) resolve();
        else this.completionWaiters.push(check);
      };
      check();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? "";
    if (req.method === "GET" && path === "/health") {
      res.writeHead(this.options.healthy === false ? 503 : 200).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = new Uint8Array(Buffer.concat(chunks));
    const contentType = req.headers["content-type"];
    const record: EreServerRecord = { path, contentType };
    this.requests.push(record);
    const match = /^\/twirp\/api\.ZkvmService\/(Prove|Verify|Execute|ProgramVk)$/.exec(path);
    if (req.method !== "POST" || !match) {
      return twirpError(res, 404, "bad_route", `no handler for ${req.method} ${path}`);
    }
    if (contentType !== PROTOBUF_CONTENT_TYPE) {
      return twirpError(res, 400, "malformed", `this double speaks only ${PROTOBUF_CONTENT_TYPE}`);
    }
    const mode = this.options.mode ?? { kind: "ok" };
    if (mode.kind === "twirp") return twirpError(res, mode.status, mode.code, mode.msg);
    const method = match[1];
    if (method === "Prove" || method === "Execute") {
      const input = decodeEreInput(body);
      record.input = input;
      if (method === "Execute") {
        const reply =
          mode.kind === "err"
            ? encodeExecuteResponse({ err: mode.message })
            : encodeExecuteResponse({
                ok: { publicValues: this.options.publicValuesFor(input), report: new Uint8Array() },
              });
        return protobuf(res, reply);
      }
      const reply = await this.enqueueProve(input, mode);
      // The client may be gone (timeout): the prove ran anyway, as on a real GPU.
      if (!res.destroyed) protobuf(res, reply);
      return;
    }
    if (method === "Verify") {
      const { proof } = decodeVerifyRequest(body);
      const pv = this.proofs.get(Buffer.from(proof).toString("hex"));
      return protobuf(
        res,
        encodeVerifyResponse(pv ? { ok: { publicValues: pv } } : { err: "proof does not verify" }),
      );
    }
    return protobuf(res, encodeProgramVkResponse({ ok: { programVk: new Uint8Array(32).fill(0xab) } }));
  }

  private enqueueProve(input: EreInput, mode: EreServerMode): Promise<Uint8Array> {
    const run = this.queue.then(async () => {
      this.started++;
      this.running++;
      this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
      await new Promise((r) => setTimeout(r, this.options.proveDelayMs ?? 0));
      this.running--;
      this.completed++;
      for (const w of this.completionWaiters.splice(0)) w();
      if (mode.kind === "err") return encodeProveResponse({ err: mode.message });
      const publicValues = this.options.publicValuesFor(input);
      const proof = new Uint8Array(createHash("sha512").update(input.inputStdin).digest());
      this.proofs.set(Buffer.from(proof).toString("hex"), publicValues);
      return encodeProveResponse({ ok: { publicValues, proof, report: new Uint8Array([1, 2, 3]) } });
    });
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

function protobuf(res: ServerResponse, body: Uint8Array): void {
  res.writeHead(200, { "content-type": PROTOBUF_CONTENT_TYPE, "content-length": body.length }).end(body);
}

function twirpError(res: ServerResponse, status: number, code: string, msg: string): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ code, msg }));
}
