// GET /eth/v1/eproof/head — the latest block whose payload meets the k-of-n proof rule; 404 before any.
import { HttpError } from "../../http/errors.ts";
import { sendJson } from "../../http/respond.ts";
import type { RouteHandler } from "../../http/server.ts";
import type { ProofTypeTable } from "../../spec/proofTypes.ts";
import { toHex } from "../../util/hex.ts";
import type { VerifiedHeadTracker } from "../verifiedHead.ts";

export function getVerifiedHead(deps: {
  tracker: VerifiedHeadTracker;
  proofTypes: ProofTypeTable;
}): RouteHandler {
  return (_req, res) => {
    const head = deps.tracker.current();
    if (!head) throw HttpError.notFound("no proof-verified block yet");
    sendJson(res, 200, {
      data: {
        slot: String(head.payload.slot),
        block_root: toHex(head.payload.blockRoot),
        block_hash: toHex(head.payload.blockHash),
        new_payload_request_root: toHex(head.payload.newPayloadRequestRoot),
        proof_types: head.proofTypes.map((t) => deps.proofTypes.nameOf(t)),
        verified_at: head.verifiedAt,
      },
    });
  };
}
