// engine_newPayloadV1..V5: VALID only when the payload's NPR has k verified proofs (waiting up to
// the budget); otherwise SYNCING (proofs-only) or the upstream execution client's own answer
// (proofs-or-el). A missing proof never makes a payload INVALID. V5 payloads go upstream as
// engine_newPayloadWithWitnessV5 when a witness sink is wired (see withWitness.ts).
import type { ForkedNewPayloadRequest } from "../../spec/newPayloadRequest.ts";
import { errorMessage } from "../../util/errors.ts";
import { toHex } from "../../util/hex.ts";
import {
  InvalidEngineParams,
  NoNprForPayload,
  newPayloadVersion,
  nprFromEngineParams,
} from "../enginePayload.ts";
import type { JsonRpcRequest } from "../jsonRpc.ts";
import { RpcError, UpstreamUnavailable } from "../jsonRpc.ts";
import type { NewPayloadVerdict } from "../options.ts";
import { ruleHolds } from "../proofRule.ts";
import type { UpstreamAnswer } from "../upstream.ts";
import { type MethodContext, unwrapUpstream } from "./context.ts";
import { newPayloadUpstream, wantsWitness } from "./withWitness.ts";

export interface PayloadStatus {
  status: "VALID" | "INVALID" | "SYNCING" | "ACCEPTED";
  latestValidHash: string | null;
  validationError: string | null;
}

export const SYNCING: PayloadStatus = { status: "SYNCING", latestValidHash: null, validationError: null };

export async function newPayload(ctx: MethodContext, req: JsonRpcRequest): Promise<unknown> {
  const t0 = performance.now();
  const done = (verdict: NewPayloadVerdict): void =>
    ctx.metrics?.recordNewPayload(verdict, performance.now() - t0);
  const version = newPayloadVersion(req.method);
  if (version === undefined) throw RpcError.methodNotFound(req.method);

  let npr: ForkedNewPayloadRequest | undefined;
  let root: Uint8Array | undefined;
  let blockHash: Uint8Array | undefined;
  try {
    npr = nprFromEngineParams(version, req.params);
    root = ctx.payloadRoot(npr);
    blockHash = npr.value.executionPayload.blockHash;
  } catch (e) {
    if (e instanceof InvalidEngineParams) {
      done("invalid_params");
      throw RpcError.invalidParams(e.message);
    }
    if (!(e instanceof NoNprForPayload)) throw e;
    // No NPR (pre-Deneb payloads): proofs cannot speak for it; fall through to the fallback.
    ctx.logger.debug({ method: req.method, reason: e.message }, "no NewPayloadRequest for payload");
  }

  // proofs-or-el with mirroring sends the payload upstream whatever the proofs say. When that call
  // brings the witness, it starts now (before the payload is registered for proving, so the witness
  // source knows to wait for it): proving this payload needs what it returns.
  let early: Promise<UpstreamAnswer> | undefined;
  if (ctx.upstream && ctx.mode === "proofs-or-el" && ctx.mirrorToUpstream && wantsWitness(ctx, req, npr)) {
    early = newPayloadUpstream(ctx, req, npr);
    early.catch(() => undefined); // observed below (fallback) or by mirror()
  }
  const mirror = (): void => {
    if (!ctx.upstream || !ctx.mirrorToUpstream) return;
    (early ?? newPayloadUpstream(ctx, req, npr)).catch((e: unknown) =>
      ctx.logger.debug({ method: req.method, err: errorMessage(e) }, "background upstream call failed"),
    );
  };

  if (npr && root && blockHash) {
    ctx.heads.set(blockHash, root);
    // Registering the payload lets gossip for it be accepted; the answer does not wait for it.
    if (!ctx.proofService.isKnownPayload(root)) {
      ctx.proofService
        .notifyPayload(npr, { blockHash })
        .catch((e: unknown) => ctx.logger.warn({ err: errorMessage(e) }, "notifyPayload failed"));
    }

    const hash = toHex(blockHash);
    if (ctx.verified.holds(root, ctx.rule)) {
      mirror();
      done("VALID");
      return { status: "VALID", latestValidHash: hash, validationError: null } satisfies PayloadStatus;
    }
    const proofs = await ctx.proofService.waitForVerified(
      root,
      ctx.rule.k,
      ctx.rule.allowedProofTypes.length > 0 ? ctx.rule.allowedProofTypes : undefined,
      ctx.waitMs,
      ctx.signal,
    );
    if (ruleHolds(proofs, ctx.rule)) {
      for (const p of proofs) ctx.verified.add(root, p.proofType);
      mirror();
      done("VALID");
      ctx.logger.debug(
        { root: toHex(root), blockHash: hash, proofs: proofs.length },
        "payload VALID from proofs",
      );
      return { status: "VALID", latestValidHash: hash, validationError: null } satisfies PayloadStatus;
    }
  }

  if (ctx.mode === "proofs-or-el" && ctx.upstream) {
    try {
      const result = unwrapUpstream(await (early ?? newPayloadUpstream(ctx, req, npr)));
      done("upstream");
      return result;
    } catch (e) {
      // The execution client's own errors (e.g. -32602) pass through; an unreachable one is SYNCING.
      if (!(e instanceof UpstreamUnavailable)) {
        done("upstream");
        throw e;
      }
      ctx.logger.warn(
        { method: req.method, err: errorMessage(e) },
        "upstream unavailable; answering SYNCING",
      );
    }
  }
  done("SYNCING");
  return SYNCING;
}
