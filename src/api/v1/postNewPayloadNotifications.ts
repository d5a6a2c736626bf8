// POST /v1/new_payload_notifications[?slot=&block_root=] — body: SSZ NewPayloadRequest.
// The proof engine's notify_new_payload for clients that push: registers the payload without
// proving it, so gossiped proofs for it are accepted. Answers {"new_payload_request_root"}.

import { HttpError } from "../../http/errors.ts";
import { sendJson } from "../../http/respond.ts";
import type { RouteHandler } from "../../http/server.ts";
import type { PayloadMeta, ProofService } from "../../proving/interface.ts";
import { decodeNprAnyFork } from "../../spec/newPayloadRequest.ts";
import { errorMessage } from "../../util/errors.ts";
import { toHex } from "../../util/hex.ts";
import { parseRoot } from "../params.ts";

export function postNewPayloadNotifications(deps: { proofService: ProofService }): RouteHandler {
  return async (_req, res, ctx) => {
    const meta: Partial<PayloadMeta> = {};
    const slot = ctx.query.get("slot");
    if (slot !== null) {
      if (!/^\d+$/.test(slot) || !Number.isSafeInteger(Number(slot))) {
        throw HttpError.badRequest(`slot must be a decimal integer, got "${slot.slice(0, 20)}"`);
      }
      meta.slot = Number(slot);
    }
    const blockRoot = ctx.query.get("block_root");
    if (blockRoot !== null) meta.blockRoot = parseRoot(blockRoot, "block_root");
    const body = await ctx.body();
    if (body.length === 0) throw HttpError.badRequest("invalid SSZ body: empty");
    let npr: ReturnType<typeof decodeNprAnyFork>;
    try {
      npr = decodeNprAnyFork(body);
    } catch (e) {
      throw HttpError.badRequest(`invalid SSZ body: ${errorMessage(e)}`);
    }
    meta.blockHash = npr.value.executionPayload.blockHash;
    const root = await deps.proofService.notifyPayload(npr, meta);
    sendJson(res, 200, { new_payload_request_root: toHex(root) });
  };
}
