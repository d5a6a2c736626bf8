// GET /v1/execution_proofs/{new_payload_request_root}/{proof_type} — the raw proof bytes
// (ExecutionProof.proof_data) of a completed proof, or 404.

import { HttpError } from "../../http/errors.ts";
import { sendBytes } from "../../http/respond.ts";
import type { RouteHandler } from "../../http/server.ts";
import type { ProofService } from "../../proving/interface.ts";
import { decodeStoredProof, type ProofContainers } from "../../spec/containers.ts";
import type { ProofTypeTable } from "../../spec/proofTypes.ts";
import { toHex } from "../../util/hex.ts";
import { parseProofType, parseRoot } from "../params.ts";

export function getExecutionProofs(deps: {
  proofService: ProofService;
  proofTypes: ProofTypeTable;
  containers: ProofContainers;
}): RouteHandler {
  return async (_req, res, ctx) => {
    const root = parseRoot(ctx.params.new_payload_request_root, "new_payload_request_root");
    const type = parseProofType(ctx.params.proof_type, deps.proofTypes, 404);
    const stored = await deps.proofService.getProof(root, type.id);
    if (!stored) throw HttpError.notFound(`proof not found for root ${toHex(root)} and type ${type.name}`);
    const proof = decodeStoredProof(deps.containers, stored.proof, stored.newPayloadRequestRoot);
    sendBytes(res, proof.proofData);
  };
}
