// The ere-server backend: one GPU (or ZisK cluster) proving one proof type over Twirp + protobuf
// (digest §8). Transport lives here; message encoding in ereProtocol.ts, guest I/O in ereGuestIo.ts.
import { Agent, request } from "undici";
import { DEFAULT_PROFILE_NAME, getProfile, type SpecProfile } from "../../spec/profile.ts";
import { EproofError, errorMessage } from "../../util/errors.ts";
import { redactUrl } from "../../util/logger.ts";
import {
  type BackendCapabilities,
  type BackendHealth,
  ProveFailure,
  type ProveRequest,
  type ProveResult,
  type ProvingBackend,
  type VerifyRequest,
  type VerifyResult,
} from "../interface.ts";
import { expectedPublicValues, frameStdin, publicValuesMismatch } from "./ereGuestIo.ts";
import {
  decodeExecuteResponse,
  decodeProgramVkResponse,
  decodeProveResponse,
  decodeVerifyResponse,
  ERE_SERVICE_PATH,
  type EreExecuteOk,
  type EreMethod,
  type EreResult,
  encodeEreInput,
  encodeVerifyRequest,
  PROTOBUF_CONTENT_TYPE,
  parseTwirpError,
} from "./ereProtocol.ts";
import { parseEndpointUrl, readBodyBounded } from "./httpBody.ts";

export interface EreBackendOpts {
  /** Base URL of the ere-server, e.g. http://10.0.0.5:3000. */
  url: string;
  /** The one proof type the server's guest ELF proves. */
  proofType: number;
  /** Name for logs and metrics; default `ere:<host:port>`. */
  id?: string;
  /** Spec profile: input framing and the public-values form. */
  profile?: SpecProfile;
  /** Chain id the guest writes into StatelessValidationResult (ssz_result form). */
  chainId: bigint;
  proveTimeoutMs?: number;
  verifyTimeoutMs?: number;
  healthTimeoutMs?: number;
  /** Upper bound on any response body (SP1 proofs are ~1.3 MB). */
  maxResponseBytes?: number;
}

export const defaultEreBackendOpts = {
  proveTimeoutMs: 120_000,
  verifyTimeoutMs: 15_000,
  healthTimeoutMs: 3_000,
  maxResponseBytes: 32 * 1024 * 1024,
} as const;

/** A Twirp error (JSON `{code,msg}` with a 4xx/5xx status) from an ere-server. */
export class EreTwirpError extends EproofError {
  readonly status: number;
  readonly twirpCode: string;
  readonly twirpMsg: string;
  constructor(method: EreMethod, status: number, twirpCode: string, twirpMsg: string) {
    super("PROVER", `ere-server ${method} failed: HTTP ${status} ${twirpCode}: ${twirpMsg}`);
    this.status = status;
    this.twirpCode = twirpCode;
    this.twirpMsg = twirpMsg;
    this.name = "EreTwirpError";
  }
}

/** The call's own timer fired (distinct from the caller aborting). */
class CallTimeout extends Error {}

export class EreBackend implements ProvingBackend {
  readonly id: string;
  readonly kind = "ere" as const;
  readonly url: string;
  readonly proofType: number;
  private readonly profile: SpecProfile;
  private readonly chainId: bigint;
  private readonly timeouts: { prove: number; verify: number; health: number };
  private readonly maxResponseBytes: number;
  private readonly agent: Agent;

  constructor(opts: EreBackendOpts) {
    const endpoint = parseEndpointUrl("ere", opts.url);
    this.url = endpoint.url;
    this.proofType = opts.proofType;
    this.id = opts.id ?? `ere:${endpoint.host}`;
    this.profile = opts.profile ?? getProfile(DEFAULT_PROFILE_NAME);
    this.chainId = opts.chainId;
    this.timeouts = {
      prove: opts.proveTimeoutMs ?? defaultEreBackendOpts.proveTimeoutMs,
      verify: opts.verifyTimeoutMs ?? defaultEreBackendOpts.verifyTimeoutMs,
      health: opts.healthTimeoutMs ?? defaultEreBackendOpts.healthTimeoutMs,
    };
    this.maxResponseBytes = opts.maxResponseBytes ?? defaultEreBackendOpts.maxResponseBytes;
    // A prove holds the connection for its whole run: our own timers bound it, not undici's defaults.
    const longest = Math.max(this.timeouts.prove, this.timeouts.verify) + 5_000;
    this.agent = new Agent({ headersTimeout: longest, bodyTimeout: longest, connections: 4 });
  }

  capabilities(): BackendCapabilities {
    // One guest ELF per server; ere-server proves one request at a time (FIFO).
    return { prove: [this.proofType], verify: [this.proofType], concurrency: 1 };
  }

  async prove(req: ProveRequest): Promise<ProveResult> {
    this.checkType(req.proofType);
    const started = performance.now();
    const body = encodeEreInput({ inputStdin: frameStdin(req.statelessInput, this.profile.stdinFraming) });
    let response: EreResult<{ publicValues: Uint8Array; proof: Uint8Array }>;
    try {
      response = decodeProveResponse(await this.call("Prove", body, this.timeouts.prove, req.signal));
    } catch (e) {
      throw this.toProveFailure(e);
    }
    if ("err" in response) {
      throw new ProveFailure("proving_error", `${this.id}: zkVM failed to prove: ${response.err}`);
    }
    const expected = expectedPublicValues(this.profile.publicValues, req.newPayloadRequestRoot, this.chainId);
    const mismatch = publicValuesMismatch(response.ok.publicValues, expected);
    if (mismatch) throw new ProveFailure("proving_error", `${this.id}: ${mismatch}`);
    if (response.ok.proof.length === 0) throw new ProveFailure("proving_error", `${this.id}: empty proof`);
    if (response.ok.proof.length > this.profile.maxProofSize) {
      throw new ProveFailure(
        "proving_error",
        `${this.id}: proof of ${response.ok.proof.length} bytes exceeds MAX_PROOF_SIZE ${this.profile.maxProofSize}`,
      );
    }
    return {
      proofData: response.ok.proof,
      publicValues: response.ok.publicValues,
      timings: { totalMs: performance.now() - started },
    };
  }

  async verify(req: VerifyRequest): Promise<VerifyResult> {
    this.checkType(req.proofType);
    const started = performance.now();
    if (req.proofData.length === 0 || req.proofData.length > this.profile.maxProofSize) {
      // Refused before it reaches the GPU host: gossip bounds proofs the same way.
      const reason = `proof of ${req.proofData.length} bytes is outside 1..${this.profile.maxProofSize}`;
      return { valid: false, reason, ms: performance.now() - started };
    }
    let response: EreResult<{ publicValues: Uint8Array }>;
    try {
      response = decodeVerifyResponse(
        await this.call("Verify", encodeVerifyRequest(req.proofData), this.timeouts.verify, req.signal),
      );
    } catch (e) {
      if (e instanceof CallTimeout) {
        throw new EproofError("TIMEOUT", `${this.id}: verify timed out after ${this.timeouts.verify} ms`);
      }
      throw e;
    }
    const ms = performance.now() - started;
    if ("err" in response) return { valid: false, reason: `zkVM rejected the proof: ${response.err}`, ms };
    const expected = expectedPublicValues(this.profile.publicValues, req.newPayloadRequestRoot, this.chainId);
    const mismatch = publicValuesMismatch(response.ok.publicValues, expected);
    return mismatch ? { valid: false, reason: mismatch, ms } : { valid: true, ms };
  }

  /** Runs the guest without proving (a cheap check of input framing and the guest). */
  async execute(statelessInput: Uint8Array, signal?: AbortSignal): Promise<EreResult<EreExecuteOk>> {
    const body = encodeEreInput({ inputStdin: frameStdin(statelessInput, this.profile.stdinFraming) });
    return decodeExecuteResponse(await this.call("Execute", body, this.timeouts.prove, signal));
  }

  /** The program verifying key (ere ≥ 0.11). */
  async programVk(signal?: AbortSignal): Promise<Uint8Array> {
    const r = decodeProgramVkResponse(
      await this.call("ProgramVk", new Uint8Array(0), this.timeouts.verify, signal),
    );
    if ("err" in r) throw new EproofError("PROVER", `${this.id}: ProgramVk failed: ${r.err}`);
    return r.ok.programVk;
  }

  async health(signal?: AbortSignal): Promise<BackendHealth> {
    const timeout = AbortSignal.timeout(this.timeouts.health);
    try {
      const res = await request(`${this.url}/health`, {
        method: "GET",
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

  async close(): Promise<void> {
    await this.agent.close();
  }

  private checkType(proofType: number): void {
    if (proofType !== this.proofType) {
      throw new EproofError("BAD_INPUT", `${this.id} proves proof type ${this.proofType}, not ${proofType}`);
    }
  }

  private toProveFailure(e: unknown): ProveFailure {
    if (e instanceof ProveFailure) return e;
    if (e instanceof CallTimeout) {
      // The server keeps proving after we hang up: the scheduler must treat it as busy.
      return new ProveFailure(
        "proving_timeout",
        `${this.id}: prove timed out after ${this.timeouts.prove} ms`,
        {
          cause: e,
        },
      );
    }
    if (e instanceof EreTwirpError) {
      // `internal` is the zkVM failing; anything else is a request eproof should not have sent.
      const reason = e.twirpCode === "internal" ? "proving_error" : "internal_error";
      return new ProveFailure(reason, `${this.id}: ${e.message}`, { cause: e });
    }
    return new ProveFailure("internal_error", `${this.id}: ${errorMessage(e)}`, { cause: e });
  }

  /** One Twirp call: protobuf in, protobuf out; non-200 is parsed as a Twirp JSON error. */
  private async call(
    method: EreMethod,
    body: Uint8Array,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    const timer = new AbortController();
    const handle = setTimeout(() => timer.abort(new CallTimeout(`${method} timed out`)), timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
    try {
      const res = await request(`${this.url}${ERE_SERVICE_PATH}${method}`, {
        method: "POST",
        headers: { "content-type": PROTOBUF_CONTENT_TYPE, accept: PROTOBUF_CONTENT_TYPE },
        body,
        dispatcher: this.agent,
        signal: combined,
      });
      const bytes = await readBodyBounded(res.body, this.maxResponseBytes, `ere-server ${method}`);
      if (res.statusCode !== 200) {
        const err = parseTwirpError(res.statusCode, new TextDecoder().decode(bytes));
        throw new EreTwirpError(method, res.statusCode, err.code, err.msg);
      }
      return bytes;
    } catch (e) {
      if (timer.signal.aborted && !signal?.aborted)
        throw new CallTimeout(`${method} timed out after ${timeoutMs} ms`);
      if (e instanceof EproofError) throw e;
      if (signal?.aborted)
        throw new EproofError("UPSTREAM", `${this.id}: ${method} aborted by the caller`, { cause: e });
      throw new EproofError("UPSTREAM", `${this.id} (${redactUrl(this.url)}) ${method}: ${errorMessage(e)}`, {
        cause: e,
      });
    } finally {
      clearTimeout(handle);
    }
  }
}
