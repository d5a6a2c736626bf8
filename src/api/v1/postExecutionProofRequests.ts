// POST /v1/execution_proof_requests?proof_types=a,b — body: SSZ NewPayloadRequest of any fork.
// Registers the payload, schedules the proof types, answers {"new_payload_request_root"}.
// A repeat of an in-flight request is accepted once: the proof service is idempotent per (root, type).

import { HttpError } from "../../http/errors.ts";
import { sendJson } from "../../http/respond.ts";
import type { RouteHandler } from "../../http/server.ts";
import type { ProofService } from "../../proving/interface.ts";
import { decodeNprAnyFork } from "../../spec/newPayloadRequest.ts";
import type { ProofTypeTable } from "../../spec/proofTypes.ts";
import { errorMessage } from "../../util/errors.ts";
import { toHex } from "../../util/hex.ts";
import { parseProofTypeList } from "../params.ts";

export function postExecutionProofRequests(deps: {
  proofService: ProofService;
  proofTypes: ProofTypeTable;
}): RouteHandler {
  return async (_req, res, ctx) => {
    const types = parseProofTypeList(ctx.query.get("proof_types"), deps.proofTypes);
    const provable = new Set(
      deps.proofService
        .proofTypes()
        .filter((t) => t.canProve)
        .map((t) => t.proofType),
    );
    for (const t of types) {
      if (!provable.has(t.id)) throw HttpError.badRequest(`no zkVM configured for proof type '${t.name}'`);
    }
    const body = await ctx.body();
    if (body.length === 0) throw HttpError.badRequest("invalid SSZ body: empty");
    let npr: ReturnType<typeof decodeNprAnyFork>;
    try {
      npr = decodeNprAnyFork(body);
    } catch (e) {
      throw HttpError.badRequest(`invalid SSZ body: ${errorMessage(e)}`);
    }
    const root = await deps.proofService.requestProofs(
      npr,
      types.map((t) => t.id),
    );
    sendJson(res, 200, { new_payload_request_root: toHex(root) });
  };
}
