// What the Engine API method handlers share: the proof rule, the head index, the upstream.

import type { ForkchoiceNotification } from "../../api/options.ts";
import type { ProofService } from "../../proving/interface.ts";
import type { ForkedNewPayloadRequest } from "../../spec/newPayloadRequest.ts";
import type { ProofStore } from "../../store/interface.ts";
import { errorMessage } from "../../util/errors.ts";
import type { Logger } from "../../util/logger.ts";
import type { HeadIndex } from "../headIndex.ts";
import type { JsonRpcRequest } from "../jsonRpc.ts";
import { RpcError } from "../jsonRpc.ts";
import type { GatewayMetrics, GatewayMode } from "../options.ts";
import type { ProofRule } from "../proofRule.ts";
import type { UpstreamAnswer, UpstreamClient } from "../upstream.ts";
import type { VerifiedIndex } from "../verifiedIndex.ts";
import type { EngineWitnessPath } from "./withWitness.ts";

export interface MethodContext {
  proofService: ProofService;
  logger: Logger;
  rule: ProofRule;
  mode: GatewayMode;
  waitMs: number;
  mirrorToUpstream: boolean;
  heads: HeadIndex;
  store?: ProofStore;
  /** Verified proof types seen in events: the fast path before asking the service. */
  verified: VerifiedIndex;
  upstream?: UpstreamClient;
  metrics?: GatewayMetrics;
  signal?: AbortSignal;
  onForkchoiceUpdated?: (fcu: ForkchoiceNotification) => void | Promise<void>;
  /** Set with an upstream and a witness sink: engine_newPayloadV5 goes up as the witness variant. */
  witness?: EngineWitnessPath;
  /** The root proofs of this payload are about (the profile's form: the guests' for Gloas). */
  payloadRoot: (npr: ForkedNewPayloadRequest) => Uint8Array;
}

/** Forwards the call upstream; an unreachable upstream is an RpcError, an upstream error is passed through. */
export async function callUpstream(ctx: MethodContext, req: JsonRpcRequest): Promise<UpstreamAnswer> {
  if (!ctx.upstream) throw RpcError.noUpstream(req.method);
  const t0 = performance.now();
  try {
    const answer = await ctx.upstream.call(req.method, req.params, ctx.signal);
    ctx.metrics?.recordUpstreamCall(req.method, true, performance.now() - t0);
    return answer;
  } catch (e) {
    ctx.metrics?.recordUpstreamCall(req.method, false, performance.now() - t0);
    throw RpcError.upstreamFailed(req.method, errorMessage(e));
  }
}

/** Sends the call upstream without waiting (keeps the execution client following the chain). */
export function mirrorUpstream(ctx: MethodContext, req: JsonRpcRequest): void {
  if (!ctx.upstream || !ctx.mirrorToUpstream) return;
  callUpstream(ctx, req).catch((e: unknown) =>
    ctx.logger.debug({ method: req.method, err: errorMessage(e) }, "background upstream call failed"),
  );
}

/** The answer as a value to return, or an RpcError carrying the upstream's error. */
export function unwrapUpstream(answer: UpstreamAnswer): unknown {
  if ("error" in answer) throw new RpcError(answer.error.code, answer.error.message, answer.error.data);
  return answer.result;
}
