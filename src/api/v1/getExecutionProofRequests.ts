// GET /v1/execution_proof_requests[?new_payload_request_root=] — SSE of proof_complete and
// proof_failure. With a root, cached events for it are replayed first (catch-up), then live ones.

import { HttpError } from "../../http/errors.ts";
import type { RouteHandler } from "../../http/server.ts";
import { SseStream } from "../../http/sse.ts";
import type { ProofEvent, ProofService } from "../../proving/interface.ts";
import type { ProofTypeTable } from "../../spec/proofTypes.ts";
import { bytesEqual, toHex } from "../../util/hex.ts";
import { parseRoot } from "../params.ts";

export interface SseDeps {
  proofService: ProofService;
  proofTypes: ProofTypeTable;
  keepAliveMs: number;
  maxClients: number;
  onClientCount?: (count: number) => void;
}

/** The zkboost event name and JSON payload of a proof event; undefined for events zkboost has no name for. */
export function zkboostEvent(
  event: ProofEvent,
  table: ProofTypeTable,
): { name: "proof_complete" | "proof_failure"; data: Record<string, string> } | undefined {
  const base = {
    new_payload_request_root: toHex(event.newPayloadRequestRoot),
    proof_type: table.nameOf(event.proofType),
  };
  if (event.type === "proof_complete") return { name: "proof_complete", data: base };
  if (event.type === "proof_failure") {
    return { name: "proof_failure", data: { ...base, reason: event.reason, error: event.error } };
  }
  return undefined;
}

export function getExecutionProofRequests(deps: SseDeps): RouteHandler {
  let clients = 0;
  return (_req, res, ctx) => {
    const raw = ctx.query.get("new_payload_request_root");
    const root = raw === null ? undefined : parseRoot(raw, "new_payload_request_root");
    if (clients >= deps.maxClients) {
      throw HttpError.unavailable(`too many event subscribers (limit ${deps.maxClients})`);
    }
    const stream = new SseStream(res, { keepAliveMs: deps.keepAliveMs });
    clients++;
    deps.onClientCount?.(clients);

    const forward = (event: ProofEvent): void => {
      if (root && !bytesEqual(event.newPayloadRequestRoot, root)) return;
      const out = zkboostEvent(event, deps.proofTypes);
      if (out) stream.send(out.name, out.data);
    };
    // Replay and subscribe in the same tick, so no event falls between them.
    if (root) for (const e of deps.proofService.recentEvents(root)) forward(e);
    const unsubscribe = deps.proofService.subscribe(forward);
    stream.onClose(() => {
      unsubscribe();
      clients--;
      deps.onClientCount?.(clients);
    });
  };
}
