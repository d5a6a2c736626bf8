// GET /eth/v1/eproof/payloads/{id} — id is a new_payload_request_root, block root or block hash
// (tried in that order). Known proofs, their signers, verification results and the k-of-n verdict.

import { countingProofTypes, type ProofRule } from "../../gateway/proofRule.ts";
import { HttpError } from "../../http/errors.ts";
import { sendJson } from "../../http/respond.ts";
import type { RouteHandler } from "../../http/server.ts";
import type { ProofTypeTable } from "../../spec/proofTypes.ts";
import type { ProofStore } from "../../store/interface.ts";
import { toHex } from "../../util/hex.ts";
import { parseRoot } from "../params.ts";

export function getPayloadStatus(deps: {
  store: ProofStore;
  proofTypes: ProofTypeTable;
  rule: ProofRule;
}): RouteHandler {
  return async (_req, res, ctx) => {
    const id = parseRoot(ctx.params.id, "payload id (new_payload_request_root, block root or block hash)");
    const payload =
      (await deps.store.getPayload(id)) ??
      (await deps.store.payloadByBlockRoot(id)) ??
      (await deps.store.payloadByBlockHash(id));
    if (!payload) throw HttpError.notFound(`no payload known for ${toHex(id)}`);
    const proofs = await deps.store.proofsByRoot(payload.newPayloadRequestRoot);
    const counting = countingProofTypes(proofs, deps.rule);
    sendJson(res, 200, {
      data: {
        new_payload_request_root: toHex(payload.newPayloadRequestRoot),
        slot: String(payload.slot),
        block_root: toHex(payload.blockRoot),
        block_hash: toHex(payload.blockHash),
        fork: payload.fork,
        seen_at: payload.seenAt,
        proofs: proofs
          .slice()
          .sort((a, b) => a.proofType - b.proofType)
          .map((p) => ({
            proof_type: deps.proofTypes.nameOf(p.proofType),
            proof_type_id: p.proofType,
            source: p.source,
            verified: p.verified,
            validator_index: p.signed ? String(p.signed.validatorIndex) : null,
            received_at: p.receivedAt,
          })),
        rule: {
          k: deps.rule.k,
          allowed_proof_types: deps.rule.allowedProofTypes.map((t) => deps.proofTypes.nameOf(t)),
          counting_proof_types: counting.map((t) => deps.proofTypes.nameOf(t)),
          holds: counting.length >= deps.rule.k,
        },
      },
    });
  };
}
