// POST /v1/new_payload_notifications[?slot=&block_root=] — body: SSZ NewPayloadRequest.
// The proof engine's notify_new_payload for clients that push: registers the payload without
// proving it, so gossiped proofs for it are accepted. Answers {"new_payload_request_root"}.
// With a chain view the payload must lie in the API's slot window (a `slot` must match its
// timestamp) and within its pending limits.

import { HttpError } from "../../http/errors.ts";
import { sendJson } from "../../http/respond.ts";
import type { RouteHandler } from "../../http/server.ts";
import type { PayloadMeta, ProofService } from "../../proving/interface.ts";
import { toHex } from "../../util/hex.ts";
import { parseRoot } from "../params.ts";
import { type PayloadIntakeDeps, readPayload, registerAdmitted } from "../payloadIntake.ts";

export function postNewPayloadNotifications(
  deps: { proofService: ProofService } & PayloadIntakeDeps,
): RouteHandler {
  return async (_req, res, ctx) => {
    const meta: Partial<PayloadMeta> = {};
    const slotParam = ctx.query.get("slot");
    let claimedSlot: number | undefined;
    if (slotParam !== null) {
      if (!/^\d+$/.test(slotParam) || !Number.isSafeInteger(Number(slotParam))) {
        throw HttpError.badRequest(`slot must be a decimal integer, got "${slotParam.slice(0, 20)}"`);
      }
      claimedSlot = Number(slotParam);
    }
    const blockRoot = ctx.query.get("block_root");
    if (blockRoot !== null) meta.blockRoot = parseRoot(blockRoot, "block_root");
    const payload = await readPayload(ctx, deps, claimedSlot);
    if (payload.slot !== undefined) meta.slot = payload.slot;
    meta.blockHash = payload.npr.value.executionPayload.blockHash;
    const intake = { ...deps, isKnownPayload: (r: Uint8Array) => deps.proofService.isKnownPayload(r) };
    const root = await registerAdmitted(payload, intake, () =>
      deps.proofService.notifyPayload(payload.npr, meta),
    );
    sendJson(res, 200, { new_payload_request_root: toHex(root) });
  };
}
