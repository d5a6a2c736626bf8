// Req/resp over libp2p streams: serves the three EIP-8025 protocols (rate-limited per peer, bounded,
// timed out) and offers the client calls used for Status and backfill.
import type { Connection, Libp2p, Stream } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import {
  ExecutionProofStatus,
  type ExecutionProofStatusValue,
  ExecutionProofsByRangeRequest,
  type ExecutionProofsByRangeRequestValue,
  ExecutionProofsByRootRequest,
  type ProofByRootIdentifierValue,
  type SignedExecutionProof,
} from "../../spec/containers.ts";
import { errorMessage } from "../../util/errors.ts";
import type { P2pModules, ReqRespMethod } from "../interface.ts";
import { ByteReader } from "./byteReader.ts";
import {
  encodeErrorChunk,
  encodePayload,
  encodeSuccessChunk,
  readPayload,
  readResponseChunk,
} from "./encoding.ts";
import { ourStatus, serveByRange, serveByRoot } from "./handlers.ts";
import {
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_PROOFS,
  protocolId,
  RESP_INVALID_REQUEST,
  RESP_RESOURCE_UNAVAILABLE,
  RESP_SERVER_ERROR,
  ReqRespError,
} from "./protocols.ts";
import { PeerRateLimiter } from "./rateLimiter.ts";

const STATUS_BYTES = 32 + 8 + 4 + 4;

export interface ReqRespOpts {
  rateLimitPerMin: number;
  timeoutMs: number;
}

export type ReqRespDeps = Pick<
  P2pModules,
  "store" | "chain" | "containers" | "proofTypes" | "metrics" | "logger" | "clock"
>;

const METHODS: readonly ReqRespMethod[] = [
  "execution_proofs_by_range",
  "execution_proofs_by_root",
  "execution_proof_status",
];

export class ReqRespNode {
  private readonly libp2p: Libp2p;
  private readonly deps: ReqRespDeps;
  private readonly opts: ReqRespOpts;
  private readonly limiter: PeerRateLimiter;
  /** Status received from (or sent to and answered by) each proof-aware peer. */
  readonly peerStatus = new Map<string, ExecutionProofStatusValue>();

  constructor(libp2p: Libp2p, deps: ReqRespDeps, opts: ReqRespOpts) {
    this.libp2p = libp2p;
    this.deps = deps;
    this.opts = opts;
    this.limiter = new PeerRateLimiter(opts.rateLimitPerMin, () => deps.clock.now());
  }

  async start(): Promise<void> {
    for (const method of METHODS) {
      await this.libp2p.handle(protocolId(method), (stream, connection) =>
        this.serve(method, stream, connection),
      );
    }
  }

  async stop(): Promise<void> {
    for (const method of METHODS) await this.libp2p.unhandle(protocolId(method));
  }

  // --- server

  private async serve(method: ReqRespMethod, stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString();
    const timer = setTimeout(() => stream.abort(new Error("req/resp timeout")), this.opts.timeoutMs);
    try {
      const reader = new ByteReader(stream);
      let reqBytes: Uint8Array;
      try {
        reqBytes = await readPayload(reader, MAX_REQUEST_BYTES);
      } catch (e) {
        // Bad varint, bad frames, bad checksum or a stream cut short: the request is at fault.
        throw e instanceof ReqRespError ? e : new ReqRespError(RESP_INVALID_REQUEST, errorMessage(e));
      }
      // Checked after the (bounded) request is read so the stream ends cleanly on both sides.
      if (!this.limiter.allow(`${peer}/${method}`)) {
        throw new ReqRespError(RESP_RESOURCE_UNAVAILABLE, "rate limited");
      }
      const chunks = await this.answer(method, reqBytes, peer);
      for (const chunk of chunks) await send(stream, encodeSuccessChunk(chunk));
      this.deps.metrics.recordReqRespServed(method, chunks.length);
      await stream.close();
    } catch (e) {
      const code = e instanceof ReqRespError ? e.code : RESP_SERVER_ERROR;
      this.deps.metrics.recordReqRespError(method, code);
      this.deps.logger.debug({ peer, method, code, err: errorMessage(e) }, "req/resp request failed");
      try {
        await send(stream, encodeErrorChunk(code === 0 ? RESP_SERVER_ERROR : code, errorMessage(e)));
        await stream.close();
      } catch {
        stream.abort(new Error("req/resp failed"));
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private async answer(method: ReqRespMethod, reqBytes: Uint8Array, peer: string): Promise<Uint8Array[]> {
    const { containers } = this.deps;
    const encodeProofs = (proofs: SignedExecutionProof[]) =>
      proofs.map((p) => containers.SignedExecutionProof.serialize(p));
    switch (method) {
      case "execution_proofs_by_range": {
        const req = decodeOrInvalid(() => ExecutionProofsByRangeRequest.deserialize(reqBytes));
        return encodeProofs(await serveByRange(req, this.deps));
      }
      case "execution_proofs_by_root": {
        const req = decodeOrInvalid(() => ExecutionProofsByRootRequest.deserialize(reqBytes));
        return encodeProofs(await serveByRoot(req, this.deps));
      }
      case "execution_proof_status": {
        const theirs = decodeOrInvalid(() => ExecutionProofStatus.deserialize(reqBytes));
        this.peerStatus.set(peer, theirs);
        return [ExecutionProofStatus.serialize(ourStatus(this.deps))];
      }
    }
  }

  // --- client

  async requestStatus(peerId: string): Promise<ExecutionProofStatusValue> {
    const body = ExecutionProofStatus.serialize(ourStatus(this.deps));
    const chunks = await this.request(peerId, "execution_proof_status", body, 1, STATUS_BYTES);
    const first = chunks[0];
    if (first === undefined) throw new ReqRespError(RESP_SERVER_ERROR, "empty status response");
    const status = ExecutionProofStatus.deserialize(first);
    this.peerStatus.set(peerId, status);
    return status;
  }

  async requestByRange(peerId: string, req: ExecutionProofsByRangeRequestValue): Promise<Uint8Array[]> {
    return this.request(
      peerId,
      "execution_proofs_by_range",
      ExecutionProofsByRangeRequest.serialize(req),
      MAX_RESPONSE_PROOFS,
      this.deps.containers.maxSignedProofBytes,
    );
  }

  async requestByRoot(peerId: string, ids: ProofByRootIdentifierValue[]): Promise<Uint8Array[]> {
    return this.request(
      peerId,
      "execution_proofs_by_root",
      ExecutionProofsByRootRequest.serialize(ids),
      MAX_RESPONSE_PROOFS,
      this.deps.containers.maxSignedProofBytes,
    );
  }

  /** Sends one request and collects the success chunks (raw SSZ); an error chunk throws ReqRespError. */
  private async request(
    peerId: string,
    method: ReqRespMethod,
    body: Uint8Array,
    maxChunks: number,
    maxChunkBytes: number,
  ): Promise<Uint8Array[]> {
    const signal = AbortSignal.timeout(this.opts.timeoutMs);
    const stream = await this.libp2p.dialProtocol(peerIdFromString(peerId), protocolId(method), { signal });
    const onAbort = () => stream.abort(new Error("req/resp timeout"));
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await send(stream, encodePayload(body));
      await stream.close({ signal });
      const reader = new ByteReader(stream);
      const out: Uint8Array[] = [];
      while (out.length < maxChunks) {
        const chunk = await readResponseChunk(reader, maxChunkBytes);
        if (chunk === undefined) break;
        if ("data" in chunk) out.push(chunk.data);
        else
          throw new ReqRespError(
            codeOf(chunk.code),
            `${method}: peer answered ${chunk.code}: ${chunk.message}`,
          );
      }
      return out;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }
}

async function send(stream: Stream, data: Uint8Array): Promise<void> {
  if (!stream.send(data)) await stream.onDrain();
}

function decodeOrInvalid<T>(decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    throw new ReqRespError(RESP_INVALID_REQUEST, `malformed request: ${errorMessage(e)}`);
  }
}

function codeOf(code: number): 1 | 2 | 3 {
  return code === 1 || code === 3 ? code : 2;
}
