// engine_forkchoiceUpdatedV1..V4: the head's payload status by the same k-of-n rule (head known by
// block hash from an earlier newPayload). Payload building (payloadAttributes) needs the upstream
// execution client; without one it is a clear JSON-RPC error, never a fake payloadId.
import { errorMessage } from "../../util/errors.ts";
import { fromHexFixed, toHex } from "../../util/hex.ts";
import type { JsonRpcRequest } from "../jsonRpc.ts";
import { RpcError, UpstreamUnavailable } from "../jsonRpc.ts";
import { ruleHolds } from "../proofRule.ts";
import { callUpstream, type MethodContext, mirrorUpstream, unwrapUpstream } from "./context.ts";
import { SYNCING } from "./newPayload.ts";

export function isForkchoiceUpdated(method: string): boolean {
  return /^engine_forkchoiceUpdatedV[1-9]$/.test(method);
}

function hashField(state: Record<string, unknown>, name: string): Uint8Array {
  const v = state[name];
  try {
    if (typeof v !== "string") throw new Error("missing");
    return fromHexFixed(v, 32, name);
  } catch {
    throw RpcError.invalidParams(`forkchoiceState.${name} must be a 32-byte DATA hash`);
  }
}

export async function forkchoiceUpdated(ctx: MethodContext, req: JsonRpcRequest): Promise<unknown> {
  const [state, attributes] = req.params;
  if (typeof state !== "object" || state === null || Array.isArray(state)) {
    throw RpcError.invalidParams("forkchoiceState must be an object");
  }
  if (
    attributes !== undefined &&
    attributes !== null &&
    (typeof attributes !== "object" || Array.isArray(attributes))
  ) {
    throw RpcError.invalidParams("payloadAttributes must be an object or null");
  }
  const s = state as Record<string, unknown>;
  const head = hashField(s, "headBlockHash");
  const safe = hashField(s, "safeBlockHash");
  const finalized = hashField(s, "finalizedBlockHash");
  Promise.resolve(
    ctx.onForkchoiceUpdated?.({ headBlockHash: head, safeBlockHash: safe, finalizedBlockHash: finalized }),
  ).catch((e: unknown) => ctx.logger.warn({ err: errorMessage(e) }, "forkchoiceUpdated callback failed"));

  // Building a payload is the execution client's job: its answer (with payloadId) is the answer.
  if (attributes !== undefined && attributes !== null) {
    if (!ctx.upstream) {
      throw new RpcError(
        -32000,
        `${req.method} with payloadAttributes needs an upstream execution client and none is configured`,
      );
    }
    return unwrapUpstream(await callUpstream(ctx, req));
  }

  const root = ctx.heads.get(head) ?? (await ctx.store?.payloadByBlockHash(head))?.newPayloadRequestRoot;
  if (
    root &&
    (ctx.verified.holds(root, ctx.rule) || ruleHolds(await ctx.proofService.verifiedProofs(root), ctx.rule))
  ) {
    mirrorUpstream(ctx, req);
    return {
      payloadStatus: { status: "VALID", latestValidHash: toHex(head), validationError: null },
      payloadId: null,
    };
  }
  if (ctx.mode === "proofs-or-el" && ctx.upstream) {
    try {
      return unwrapUpstream(await callUpstream(ctx, req));
    } catch (e) {
      if (!(e instanceof UpstreamUnavailable)) throw e;
      ctx.logger.warn({ method: req.method, err: e.message }, "upstream unavailable; answering SYNCING");
    }
  }
  return { payloadStatus: SYNCING, payloadId: null };
}
