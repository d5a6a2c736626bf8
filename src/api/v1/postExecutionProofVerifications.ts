// POST /v1/execution_proof_verifications?new_payload_request_root=&proof_type= — body: raw proof.
// 200 {"status":"VALID"} or {"status":"INVALID","reason":…}: INVALID means the verifier ran and refused
// the proof, and says why. A known proof type this node cannot verify is a 404 that says so.

import { HttpError } from "../../http/errors.ts";
import { sendJson } from "../../http/respond.ts";
import type { RouteHandler } from "../../http/server.ts";
import type { ProofService } from "../../proving/interface.ts";
import type { ProofTypeTable } from "../../spec/proofTypes.ts";
import { parseProofType, parseRoot } from "../params.ts";

export function postExecutionProofVerifications(deps: {
  proofService: ProofService;
  proofTypes: ProofTypeTable;
}): RouteHandler {
  return async (_req, res, ctx) => {
    const root = parseRoot(ctx.query.get("new_payload_request_root"), "new_payload_request_root");
    const type = parseProofType(ctx.query.get("proof_type"), deps.proofTypes, 404);
    const verifiable = deps.proofService.proofTypes().some((t) => t.proofType === type.id && t.canVerify);
    if (!verifiable)
      throw HttpError.notFound(
        `proof_type ${type.name} has no verifier on this node (configure one in proving.backends)`,
      );
    const body = await ctx.body();
    if (body.length === 0) throw HttpError.badRequest("empty proof body");
    const result = await deps.proofService.verifyProof(root, type.id, body);
    sendJson(
      res,
      200,
      result.valid
        ? { status: "VALID" }
        : { status: "INVALID", reason: result.reason ?? "refused by the verifier" },
    );
  };
}
