// engine_newPayloadV5 upstream as engine_newPayloadWithWitnessV5 (same params): the EL answers the
// PayloadStatus plus `witness` (hex RLP `[headers, codes, state]`), so proving needs no
// debug_executionWitness round trip. Behaviour follows eth-act/zkboost crates/server/src/engine.rs
// (`new_payload`, commit 315c619a257c17609f47ab705dd2c5deda4b94f9):
// - the consensus client gets the result without `witness` (every other field as the EL sent it);
// - JSON-RPC error -32601 (method not found): the plain engine_newPayloadV5 is sent instead and that
//   payload gets no engine witness. Unlike zkboost (which tries again on every payload) the answer is
//   remembered per upstream and the method is probed again only after `reprobeMs`;
// - any other JSON-RPC error is returned as the answer, as zkboost does (no second, plain call: the EL
//   has seen the payload and its error is what the plain call would most likely say too);
// - the witness is decoded only for a VALID status; a missing or malformed one is logged, and the
//   consensus client's answer does not change.
import {
  ENGINE_WITNESS_METHOD,
  type PayloadWitnessSink,
  witnessFromEngineField,
} from "../../execution/engineWitness.ts";
import type { ForkedNewPayloadRequest } from "../../spec/newPayloadRequest.ts";
import { errorMessage } from "../../util/errors.ts";
import { toHex } from "../../util/hex.ts";
import type { JsonRpcRequest } from "../jsonRpc.ts";
import type { UpstreamAnswer } from "../upstream.ts";
import { callUpstream, type MethodContext } from "./context.ts";

export const METHOD_NOT_FOUND = -32601;

/** Whether the upstream serves engine_newPayloadWithWitnessV5, as last seen. */
export class WithWitnessProbe {
  private readonly reprobeMs: number;
  private readonly now: () => number;
  private unsupportedAt: number | undefined;

  constructor(reprobeMs: number, now: () => number) {
    this.reprobeMs = reprobeMs;
    this.now = now;
  }

  /** False for reprobeMs after the upstream said -32601. */
  usable(): boolean {
    return this.unsupportedAt === undefined || this.now() - this.unsupportedAt >= this.reprobeMs;
  }

  get unsupported(): boolean {
    return this.unsupportedAt !== undefined;
  }

  markUnsupported(): void {
    this.unsupportedAt = this.now();
  }

  markSupported(): void {
    this.unsupportedAt = undefined;
  }
}

export interface EngineWitnessPath {
  sink: PayloadWitnessSink;
  probe: WithWitnessProbe;
}

/** Whether this newPayload call goes upstream with the witness variant. */
export function wantsWitness(
  ctx: MethodContext,
  req: JsonRpcRequest,
  npr: ForkedNewPayloadRequest | undefined,
): npr is ForkedNewPayloadRequest {
  return (
    ctx.witness !== undefined &&
    npr !== undefined &&
    req.method === "engine_newPayloadV5" &&
    ctx.witness.probe.usable()
  );
}

/** The EL's result without `witness`, and the witness field (undefined when absent). */
function splitResult(result: unknown): { status: unknown; witness: unknown } {
  if (typeof result !== "object" || result === null || Array.isArray(result)) {
    return { status: result, witness: undefined };
  }
  const { witness, ...status } = result as Record<string, unknown>;
  return { status, witness };
}

/**
 * Sends engine_newPayloadV5 upstream, as the witness variant when wanted. Resolves with the answer
 * for the consensus client (never carrying a witness); throws as callUpstream does.
 */
export async function newPayloadUpstream(
  ctx: MethodContext,
  req: JsonRpcRequest,
  npr: ForkedNewPayloadRequest | undefined,
): Promise<UpstreamAnswer> {
  const path = ctx.witness;
  if (!path || !wantsWitness(ctx, req, npr)) return callUpstream(ctx, req);
  const blockHash = npr.value.executionPayload.blockHash;
  path.sink.expectWitness(blockHash);
  let answer: UpstreamAnswer;
  try {
    answer = await callUpstream(ctx, { ...req, method: ENGINE_WITNESS_METHOD });
  } catch (e) {
    path.sink.noWitness(blockHash, `upstream failed: ${errorMessage(e)}`);
    throw e;
  }
  if ("error" in answer) {
    if (answer.error.code === METHOD_NOT_FOUND) {
      const first = !path.probe.unsupported;
      path.probe.markUnsupported();
      path.sink.noWitness(blockHash, `${ENGINE_WITNESS_METHOD} not served by the upstream`);
      const fields = { method: ENGINE_WITNESS_METHOD, upstream: ctx.upstream?.displayUrl };
      const msg =
        "upstream does not serve the witness method; sending engine_newPayloadV5 (no engine witness)";
      if (first) ctx.logger.warn(fields, msg);
      else ctx.logger.debug(fields, msg);
      return callUpstream(ctx, req);
    }
    path.sink.noWitness(blockHash, `upstream error ${answer.error.code}`);
    return answer;
  }
  path.probe.markSupported();
  const { status, witness } = splitResult(answer.result);
  const verdict = (status as { status?: unknown } | null)?.status;
  if (verdict === "VALID" && witness !== undefined && witness !== null) {
    // Decoding a witness of megabytes waits until the consensus client's answer is on its way.
    setImmediate(() => deliver(ctx, path.sink, npr, witness));
  } else {
    if (verdict === "VALID") {
      ctx.logger.warn({ blockHash: toHex(blockHash) }, "VALID payload without a witness from the upstream");
    }
    path.sink.noWitness(
      blockHash,
      verdict === "VALID" ? "no witness in the answer" : `status ${String(verdict)}`,
    );
  }
  return { result: status };
}

function deliver(
  ctx: MethodContext,
  sink: PayloadWitnessSink,
  npr: ForkedNewPayloadRequest,
  field: unknown,
): void {
  const blockHash = npr.value.executionPayload.blockHash;
  try {
    const witness = witnessFromEngineField(field);
    sink.onPayloadWitness(npr, witness);
  } catch (e) {
    ctx.logger.warn(
      { blockHash: toHex(blockHash), err: errorMessage(e) },
      "engine witness rejected; the payload's witness comes from the fallback source",
    );
    sink.noWitness(blockHash, errorMessage(e));
  }
}
