// POST /v1/execution_proof_requests?proof_types=a,b — body: SSZ NewPayloadRequest of any fork.
// Registers the payload, schedules the proof types, answers {"new_payload_request_root"}.
// A repeat of an in-flight request is accepted once: the proof service is idempotent per (root, type).
// With a chain view the payload must lie in the API's slot window and within its pending limits.

import { HttpError } from "../../http/errors.ts";
import { sendJson } from "../../http/respond.ts";
import type { RouteHandler } from "../../http/server.ts";
import type { ProofService } from "../../proving/interface.ts";
import type { ProofTypeTable } from "../../spec/proofTypes.ts";
import { toHex } from "../../util/hex.ts";
import { parseProofTypeList } from "../params.ts";
import { type PayloadIntakeDeps, readPayload, registerAdmitted } from "../payloadIntake.ts";

export function postExecutionProofRequests(
  deps: {
    proofService: ProofService;
    proofTypes: ProofTypeTable;
  } & PayloadIntakeDeps,
): RouteHandler {
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
    const payload = await readPayload(ctx, deps);
    const intake = { ...deps, isKnownPayload: (r: Uint8Array) => deps.proofService.isKnownPayload(r) };
    const root = await registerAdmitted(payload, intake, () =>
      deps.proofService.requestProofs(
        payload.npr,
        types.map((t) => t.id),
        payload.slot === undefined ? undefined : { slot: payload.slot },
      ),
    );
    sendJson(res, 200, { new_payload_request_root: toHex(root) });
  };
}
