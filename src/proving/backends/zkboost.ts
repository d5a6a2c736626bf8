// The zkboost backend: a client of an external zkboost v0.7 proof node (digest §7). It submits the
// SSZ NewPayloadRequest, waits for proof_complete / proof_failure on the SSE stream, then downloads
// the proof. zkboost names proof types ("reth-zisk"); eproof's u8 ids map through the ProofTypeTable.
import { Agent, request } from "undici";
import { SseParser } from "../../beacon/sseParser.ts";
import { ProofTypeTable } from "../../spec/proofTypes.ts";
import { EproofError, errorMessage } from "../../util/errors.ts";
import { bytesEqual, fromHex, toHex } from "../../util/hex.ts";
import { redactUrl } from "../../util/logger.ts";
import {
  type BackendCapabilities,
  type BackendHealth,
  PROOF_FAILURE_REASONS,
  type ProofFailureReason,
  ProveFailure,
  type ProveRequest,
  type ProveResult,
  type ProvingBackend,
  type VerifyRequest,
  type VerifyResult,
} from "../interface.ts";
import { parseEndpointUrl, readBodyBounded } from "./httpBody.ts";

export interface ZkboostBackendOpts {
  /** Base URL of the zkboost node, e.g. http://127.0.0.1:3000. */
  url: string;
  /** Proof type ids this node is asked to prove and verify. */
  proofTypes: readonly number[];
  /** Name ↔ id table (zkboost speaks names). */
  table?: ProofTypeTable;
  id?: string;
  proveTimeoutMs?: number;
  verifyTimeoutMs?: number;
  healthTimeoutMs?: number;
  maxProofBytes?: number;
}

export const defaultZkboostBackendOpts = {
  proveTimeoutMs: 120_000,
  verifyTimeoutMs: 15_000,
  healthTimeoutMs: 3_000,
  maxProofBytes: 16 * 1024 * 1024,
} as const;

/** A zkboost error response: `{"code": <http status>, "message": "…"}`. */
export class ZkboostHttpError extends EproofError {
  readonly status: number;
  constructor(what: string, status: number, message: string) {
    super("UPSTREAM", `zkboost ${what} failed: HTTP ${status}: ${message}`);
    this.status = status;
    this.name = "ZkboostHttpError";
  }
}

export interface ZkboostProofTypeInfo {
  proofType: string;
  kind: string;
  canProve: boolean;
  canVerify: boolean;
}

/** zkboost's four reasons and the witness-phase ones another eproof answering as zkboost reports. */
const FAILURE_REASONS: readonly ProofFailureReason[] = PROOF_FAILURE_REASONS;

type ProofEventOutcome =
  | { kind: "complete" }
  | { kind: "failure"; reason: ProofFailureReason; error: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

export class ZkboostBackend implements ProvingBackend {
  readonly id: string;
  readonly kind = "zkboost" as const;
  readonly url: string;
  private readonly proofTypes: readonly number[];
  private readonly table: ProofTypeTable;
  private readonly timeouts: { prove: number; verify: number; health: number };
  private readonly maxProofBytes: number;
  private readonly agent: Agent;

  constructor(opts: ZkboostBackendOpts) {
    const endpoint = parseEndpointUrl("zkboost", opts.url);
    if (opts.proofTypes.length === 0)
      throw new EproofError("BAD_CONFIG", "a zkboost backend needs at least one proof type");
    this.table = opts.table ?? new ProofTypeTable();
    for (const t of opts.proofTypes) this.table.resolve(t);
    this.url = endpoint.url;
    this.proofTypes = [...opts.proofTypes];
    this.id = opts.id ?? `zkboost:${endpoint.host}`;
    this.timeouts = {
      prove: opts.proveTimeoutMs ?? defaultZkboostBackendOpts.proveTimeoutMs,
      verify: opts.verifyTimeoutMs ?? defaultZkboostBackendOpts.verifyTimeoutMs,
      health: opts.healthTimeoutMs ?? defaultZkboostBackendOpts.healthTimeoutMs,
    };
    this.maxProofBytes = opts.maxProofBytes ?? defaultZkboostBackendOpts.maxProofBytes;
    // SSE streams stay open for a whole prove; our own timers bound them.
    this.agent = new Agent({ headersTimeout: this.timeouts.prove + 5_000, bodyTimeout: 0, connections: 16 });
  }

  capabilities(): BackendCapabilities {
    // zkboost queues per proof type on its own; one request per type at a time from us.
    return { prove: this.proofTypes, verify: this.proofTypes, concurrency: this.proofTypes.length };
  }

  async prove(req: ProveRequest): Promise<ProveResult> {
    const name = this.nameOf(req.proofType);
    if (!req.npr) {
      throw new ProveFailure(
        "internal_error",
        `${this.id}: zkboost needs the SSZ NewPayloadRequest (ProveRequest.npr)`,
      );
    }
    const started = performance.now();
    const rootHex = toHex(req.newPayloadRequestRoot);
    const timer = new AbortController();
    const handle = setTimeout(() => timer.abort(), this.timeouts.prove);
    const signal = req.signal ? AbortSignal.any([req.signal, timer.signal]) : timer.signal;
    try {
      // Subscribe before submitting so the completion cannot slip past us.
      const events = await this.openEvents(rootHex, signal);
      try {
        await this.submit(req.npr, name, req.newPayloadRequestRoot, signal);
        const outcome = await this.waitForOutcome(events, rootHex, name);
        if (outcome.kind === "failure") {
          throw new ProveFailure(outcome.reason, `${this.id}: ${name} failed: ${outcome.error}`);
        }
      } finally {
        events.destroy();
      }
      const proofData = await this.getProof(rootHex, name, signal);
      return {
        proofData,
        publicValues: new Uint8Array(0),
        timings: { totalMs: performance.now() - started },
      };
    } catch (e) {
      if (e instanceof ProveFailure) throw e;
      if (timer.signal.aborted && !req.signal?.aborted) {
        throw new ProveFailure(
          "proving_timeout",
          `${this.id}: no result for ${name} within ${this.timeouts.prove} ms`,
          {
            cause: e,
          },
        );
      }
      throw new ProveFailure("internal_error", `${this.id}: ${errorMessage(e)}`, { cause: e });
    } finally {
      clearTimeout(handle);
    }
  }

  async verify(req: VerifyRequest): Promise<VerifyResult> {
    const name = this.nameOf(req.proofType);
    const started = performance.now();
    const timeout = AbortSignal.timeout(this.timeouts.verify);
    const query = `new_payload_request_root=${toHex(req.newPayloadRequestRoot)}&proof_type=${encodeURIComponent(name)}`;
    const json = await this.json(
      "verify",
      `${this.url}/v1/execution_proof_verifications?${query}`,
      { method: "POST", body: req.proofData, headers: { "content-type": "application/octet-stream" } },
      req.signal ? AbortSignal.any([req.signal, timeout]) : timeout,
    );
    const ms = performance.now() - started;
    const status = isRecord(json) ? json.status : undefined;
    if (status === "VALID") return { valid: true, ms };
    if (status === "INVALID") return { valid: false, reason: `zkboost: ${name} proof is INVALID`, ms };
    throw new EproofError(
      "UPSTREAM",
      `${this.id}: verification answered ${JSON.stringify(json).slice(0, 100)}`,
    );
  }

  async health(signal?: AbortSignal): Promise<BackendHealth> {
    const timeout = AbortSignal.timeout(this.timeouts.health);
    try {
      const res = await request(`${this.url}/health`, {
        dispatcher: this.agent,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      await res.body.dump();
      return res.statusCode === 200
        ? { ok: true }
        : { ok: false, detail: `GET /health returned ${res.statusCode}` };
    } catch (e) {
      return { ok: false, detail: `${redactUrl(this.url)} unreachable: ${errorMessage(e)}` };
    }
  }

  /** GET /v1/proof_types: what the node is configured to prove and verify. */
  async remoteProofTypes(signal?: AbortSignal): Promise<ZkboostProofTypeInfo[]> {
    const timeout = AbortSignal.timeout(this.timeouts.health);
    const json = await this.json(
      "proof_types",
      `${this.url}/v1/proof_types`,
      { method: "GET" },
      signal ? AbortSignal.any([signal, timeout]) : timeout,
    );
    const list = isRecord(json) && Array.isArray(json.proof_types) ? json.proof_types : undefined;
    if (!list) throw new EproofError("UPSTREAM", `${this.id}: /v1/proof_types has no proof_types list`);
    return list.filter(isRecord).map((p) => ({
      proofType: String(p.proof_type),
      kind: String(p.kind ?? ""),
      canProve: p.can_prove === true,
      canVerify: p.can_verify === true,
    }));
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private nameOf(proofType: number): string {
    if (!this.proofTypes.includes(proofType)) {
      throw new EproofError("BAD_INPUT", `${this.id} is not configured for proof type ${proofType}`);
    }
    return this.table.resolve(proofType).name;
  }

  private async openEvents(rootHex: string, signal: AbortSignal) {
    const res = await request(`${this.url}/v1/execution_proof_requests?new_payload_request_root=${rootHex}`, {
      dispatcher: this.agent,
      headers: { accept: "text/event-stream" },
      signal,
    });
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      throw new ZkboostHttpError("event stream", res.statusCode, text.slice(0, 200));
    }
    return res.body;
  }

  private async submit(npr: Uint8Array, name: string, root: Uint8Array, signal: AbortSignal): Promise<void> {
    const json = await this.json(
      "proof request",
      `${this.url}/v1/execution_proof_requests?proof_types=${encodeURIComponent(name)}`,
      { method: "POST", body: npr, headers: { "content-type": "application/octet-stream" } },
      signal,
    );
    const returned =
      isRecord(json) && typeof json.new_payload_request_root === "string"
        ? json.new_payload_request_root
        : "";
    let returnedRoot: Uint8Array;
    try {
      returnedRoot = fromHex(returned, "new_payload_request_root");
    } catch {
      throw new EproofError("UPSTREAM", `${this.id}: proof request answered without a root`);
    }
    if (!bytesEqual(returnedRoot, root)) {
      // The node decoded the payload differently (fork, encoding): its proof would not be ours.
      throw new EproofError("UPSTREAM", `${this.id}: node computed root ${returned}, eproof ${toHex(root)}`);
    }
  }

  private async waitForOutcome(
    body: AsyncIterable<Buffer | string>,
    rootHex: string,
    name: string,
  ): Promise<ProofEventOutcome> {
    const parser = new SseParser();
    const decoder = new TextDecoder();
    for await (const chunk of body) {
      const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      for (const ev of parser.feed(text).events) {
        let data: unknown;
        try {
          data = JSON.parse(ev.data);
        } catch {
          continue;
        }
        if (!isRecord(data) || data.proof_type !== name) continue;
        if (
          typeof data.new_payload_request_root !== "string" ||
          data.new_payload_request_root.toLowerCase() !== rootHex
        ) {
          continue;
        }
        if (ev.event === "proof_complete") return { kind: "complete" };
        if (ev.event === "proof_failure") {
          const reason = FAILURE_REASONS.find((r) => r === data.reason) ?? "internal_error";
          return {
            kind: "failure",
            reason,
            error: typeof data.error === "string" ? data.error : "no detail",
          };
        }
      }
    }
    throw new EproofError("UPSTREAM", `${this.id}: event stream closed before ${name} finished`);
  }

  private async getProof(rootHex: string, name: string, signal: AbortSignal): Promise<Uint8Array> {
    const res = await request(`${this.url}/v1/execution_proofs/${rootHex}/${encodeURIComponent(name)}`, {
      dispatcher: this.agent,
      signal,
    });
    const bytes = await readBodyBounded(res.body, this.maxProofBytes, "zkboost proof");
    if (res.statusCode !== 200) {
      throw new ZkboostHttpError("proof download", res.statusCode, errorBodyMessage(bytes));
    }
    if (bytes.length === 0) throw new ProveFailure("proving_error", `${this.id}: empty ${name} proof`);
    return bytes;
  }

  private async json(
    what: string,
    url: string,
    init: { method: "GET" | "POST"; body?: Uint8Array; headers?: Record<string, string> },
    signal: AbortSignal,
  ): Promise<unknown> {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, { ...init, dispatcher: this.agent, signal });
    } catch (e) {
      if (signal.aborted) throw e;
      throw new EproofError("UPSTREAM", `${this.id} (${redactUrl(this.url)}) ${what}: ${errorMessage(e)}`, {
        cause: e,
      });
    }
    const bytes = await readBodyBounded(res.body, 1024 * 1024, `zkboost ${what}`);
    if (res.statusCode !== 200) throw new ZkboostHttpError(what, res.statusCode, errorBodyMessage(bytes));
    try {
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new EproofError("UPSTREAM", `${this.id}: ${what} answered non-JSON`);
    }
  }
}

function errorBodyMessage(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes);
  try {
    const json: unknown = JSON.parse(text);
    if (isRecord(json) && typeof json.message === "string") return json.message;
  } catch {
    // fall through to the raw text
  }
  return text.slice(0, 200);
}
