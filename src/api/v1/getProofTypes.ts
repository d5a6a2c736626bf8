// GET /v1/proof_types — {"proof_types":[{proof_type, kind, can_prove, can_verify}]}, sorted by id.
// zkboost's kinds: "ere" for a type this node proves, "verifier" for a verify-only type; eproof's CPU
// re-execution type (no zkVM) is "cpu".

import { sendJson } from "../../http/respond.ts";
import type { RouteHandler } from "../../http/server.ts";
import type { ProofService } from "../../proving/interface.ts";
import type { ProofTypeTable } from "../../spec/proofTypes.ts";

export function getProofTypes(deps: {
  proofService: ProofService;
  proofTypes: ProofTypeTable;
}): RouteHandler {
  return (_req, res) => {
    // Like zkboost, only types this node initialized (can prove or verify) are listed.
    const infos = deps.proofService
      .proofTypes()
      .filter((t) => t.canProve || t.canVerify)
      .sort((a, b) => a.proofType - b.proofType);
    sendJson(res, 200, {
      proof_types: infos.map((t) => ({
        proof_type: deps.proofTypes.nameOf(t.proofType),
        kind: t.kind === "reexec" ? "cpu" : t.canProve ? "ere" : "verifier",
        can_prove: t.canProve,
        can_verify: t.canVerify,
      })),
    });
  };
}
