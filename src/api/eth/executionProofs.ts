// The beacon-API execution proof endpoints in eth-act/lighthouse's shape (EIP-8025, envelope profiles):
// - POST /eth/v1/beacon/execution_proofs: SSZ or JSON `List[SignedExecutionProofEnvelope, 4]`; each
//   envelope goes through the gossip validation (incl. verification), accepted ones are stored and
//   published. 200 when every envelope is on the network (accepted now, or already known); else 400
//   `{code, message, failures: [{index, message}]}`; 415 for another content type; 500 when eproof
//   itself fails; 501 without a p2p service or under a profile without envelopes.
// - GET /eth/v1/beacon/execution_proofs/{block_id}: the verified, signed envelopes known for a block
//   (0x root, slot, or head), JSON `{data: [...]}` or SSZ with `Accept: application/octet-stream`;
//   404 for a block eproof does not know.
// Read (not copied) from eth-act/lighthouse beacon_node/http_api/src/beacon/execution_proofs.rs and
// beacon_node/http_api/tests/execution_proof_tests.rs at commit 2ab0268b2917ae60087e28ab89de5dd0f187a435.
//
// Nothing here signs, deletes or replaces anything: an envelope is only ever added through the same
// checks as a gossiped one, and bodies are bounded by their largest legal size before decoding.

import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../../http/body.ts";
import { HttpError } from "../../http/errors.ts";
import { sendBytes, sendJson } from "../../http/respond.ts";
import type { RouteHandler } from "../../http/server.ts";
import type { GossipVerdict } from "../../p2p/gossip/validation.ts";
import { decodeStoredProof, type ProofContainers, type SignedExecutionProof } from "../../spec/containers.ts";
import type { ProofStore, StoredProof } from "../../store/interface.ts";
import { errorMessage } from "../../util/errors.ts";
import { bytesEqual, toHex } from "../../util/hex.ts";
import type { Logger } from "../../util/logger.ts";
import type { ExecutionProofSubmitter } from "../options.ts";
import {
  decodeEnvelopeListJson,
  decodeEnvelopeListSsz,
  encodeEnvelopeListSsz,
  envelopeToJson,
  MAX_ENVELOPES_PER_REQUEST,
  maxEnvelopeListJsonBytes,
  maxEnvelopeListSszBytes,
} from "./envelopeCodec.ts";

export const EXECUTION_PROOFS_ROUTES = {
  post: "/eth/v1/beacon/execution_proofs",
  get: "/eth/v1/beacon/execution_proofs/{block_id}",
} as const;

const SSZ_TYPE = "application/octet-stream";
const JSON_TYPE = "application/json";

export interface IndexedFailure {
  index: number;
  message: string;
}

/** Body limit of the POST route: the largest legal JSON list (the SSZ limit is applied per request). */
export function executionProofsBodyLimit(containers: ProofContainers): number {
  return Math.max(maxEnvelopeListJsonBytes(containers), maxEnvelopeListSszBytes(containers));
}

/** Like Lighthouse: a proof already seen, or a valid proof of its type already known, is on the network. */
export function isSubmitted(verdict: GossipVerdict): boolean {
  return (
    verdict.result === "accept" ||
    (verdict.result === "ignore" &&
      (verdict.reason === "already_seen" || verdict.reason === "valid_already_received"))
  );
}

const REASON_TEXT: Record<string, string> = {
  payload_unknown: "the beacon block (or its execution payload) is not known to this node",
  not_first_from_validator: "this validator already sent a proof of this type for this block",
  queue_full: "too many proofs are waiting for their block",
  queue_expired: "the block did not become known in time",
  cannot_verify: "this node cannot verify this proof type",
  malformed_ssz: "the envelope is malformed",
  unsupported_proof_type: "the proof type is not supported on this network",
  unknown_validator: "the validator index is unknown",
  inactive_validator: "the validator is not active",
  bad_signature: "the signature is not valid for this validator",
  empty_proof: "proof_data is empty",
  oversize_proof: "proof_data exceeds MAX_PROOF_SIZE",
  invalid_proof: "the proof does not verify (verify_execution_proof)",
};

/** `<REJECT|IGNORE> <reason>: <text>`: the gossip verdict a peer would have given, for the submitter. */
export function failureMessage(verdict: GossipVerdict): string {
  if (verdict.result === "accept") return "accepted";
  return `${verdict.result.toUpperCase()} ${verdict.reason}: ${REASON_TEXT[verdict.reason] ?? verdict.reason}`;
}

/** The bare media type of a Content-Type header, lowercased ("" when absent). */
function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

export function postExecutionProofs(deps: {
  containers: ProofContainers;
  submitter: () => ExecutionProofSubmitter | undefined;
  logger: Logger;
}): RouteHandler {
  const { containers } = deps;
  return async (req, res) => {
    requireEnvelopeProfile(containers);
    const submitter = deps.submitter();
    if (!submitter) {
      throw new HttpError(
        501,
        "p2p is not running on this node: execution proofs can be neither validated nor published (enable p2p)",
      );
    }
    const envelopes = await readEnvelopes(req, containers);
    const failures: IndexedFailure[] = [];
    for (const [index, signed] of envelopes.entries()) {
      let verdict: GossipVerdict;
      try {
        verdict = await submitter.submitProof(signed);
      } catch (e) {
        // Our own dependency failed (beacon node, store, verifier): not the caller's fault; stop here.
        deps.logger.warn({ index, err: errorMessage(e) }, "execution proof submission failed internally");
        throw HttpError.internal(
          `execution proof at index ${index} could not be processed: ${errorMessage(e)}`,
        );
      }
      const blockRoot = toHex(signed.message.beaconBlockRoot ?? new Uint8Array(32));
      const fields = {
        index,
        blockRoot,
        proofType: signed.message.proofType,
        validator: signed.validatorIndex,
      };
      if (isSubmitted(verdict)) {
        deps.logger.debug(
          { ...fields, verdict: verdict.result },
          "execution proof submitted via the beacon API",
        );
      } else {
        deps.logger.debug({ ...fields, reason: failureMessage(verdict) }, "execution proof refused");
        failures.push({ index, message: failureMessage(verdict) });
      }
    }
    if (failures.length > 0) {
      sendJson(res, 400, { code: 400, message: "error processing execution proofs", failures });
      return;
    }
    res.writeHead(200, { "content-length": 0 });
    res.end();
  };
}

/** Size before decode: the content type picks the bound, the bound is enforced while reading. */
async function readEnvelopes(
  req: IncomingMessage,
  containers: ProofContainers,
): Promise<SignedExecutionProof[]> {
  const type = mediaType(req.headers["content-type"]);
  if (type === SSZ_TYPE) {
    const body = await readBody(req, maxEnvelopeListSszBytes(containers));
    return decodeEnvelopeListSsz(body, containers);
  }
  if (type === JSON_TYPE || type === "") {
    const body = await readBody(req, maxEnvelopeListJsonBytes(containers));
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch (e) {
      throw HttpError.badRequest(`body is not valid JSON: ${errorMessage(e)}`);
    }
    return decodeEnvelopeListJson(parsed, containers);
  }
  throw HttpError.unsupportedMediaType(
    `unsupported content type "${type}": send ${SSZ_TYPE} (SSZ List[SignedExecutionProofEnvelope, ${MAX_ENVELOPES_PER_REQUEST}]) or ${JSON_TYPE}`,
  );
}

export function getExecutionProofsByBlock(deps: {
  containers: ProofContainers;
  store: Pick<ProofStore, "payloadByBlockRoot" | "proofsByRoot" | "proofsBySlotRange" | "getPayload">;
  head?: () => Uint8Array | undefined;
}): RouteHandler {
  const { containers } = deps;
  return async (req, res, ctx) => {
    requireEnvelopeProfile(containers);
    const blockRoot = await resolveBlockId(ctx.params.block_id ?? "", deps);
    const payload = await deps.store.payloadByBlockRoot(blockRoot);
    if (!payload) throw HttpError.notFound(`block ${toHex(blockRoot)} is not known to this node`);
    const stored = await deps.store.proofsByRoot(payload.newPayloadRequestRoot);
    const envelopes = knownEnvelopes(stored, blockRoot, containers);
    respond(req, res, envelopes, containers);
  };
}

/**
 * The verified, signed proofs of a block as envelopes, by proof type; at most
 * MAX_EXECUTION_PROOFS_PER_PAYLOAD (the list bound of the response type).
 */
export function knownEnvelopes(
  stored: readonly StoredProof[],
  blockRoot: Uint8Array,
  containers: ProofContainers,
): SignedExecutionProof[] {
  const out: SignedExecutionProof[] = [];
  for (const p of [...stored].sort((a, b) => a.proofType - b.proofType)) {
    if (!p.verified || !p.signed) continue;
    let message: SignedExecutionProof["message"];
    try {
      message = decodeStoredProof(containers, p.proof, p.newPayloadRequestRoot);
    } catch {
      continue; // stored under another profile: not an envelope of this one
    }
    if (!message.beaconBlockRoot || !bytesEqual(message.beaconBlockRoot, blockRoot)) continue;
    out.push({ message, validatorIndex: p.signed.validatorIndex, signature: p.signed.signature });
    if (out.length === MAX_ENVELOPES_PER_REQUEST) break;
  }
  return out;
}

function respond(
  req: IncomingMessage,
  res: ServerResponse,
  envelopes: SignedExecutionProof[],
  containers: ProofContainers,
): void {
  if (prefersSsz(req.headers.accept)) {
    sendBytes(res, encodeEnvelopeListSsz(envelopes, containers), SSZ_TYPE);
    return;
  }
  sendJson(res, 200, { data: envelopes.map(envelopeToJson) });
}

/** `Accept` with q-values: SSZ when application/octet-stream ranks above application/json. */
export function prefersSsz(accept: string | undefined): boolean {
  if (!accept) return false;
  let ssz = -1;
  let json = -1;
  for (const part of accept.split(",")) {
    const [type, ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if (type === SSZ_TYPE) ssz = Math.max(ssz, q);
    else if (type === JSON_TYPE || type === "*/*" || type === "application/*") json = Math.max(json, q);
  }
  return ssz > 0 && ssz > json;
}

/** block_id: a 0x block root, a slot (via the proofs stored at it) or `head` (when wired). */
async function resolveBlockId(
  id: string,
  deps: {
    store: Pick<ProofStore, "proofsBySlotRange" | "getPayload">;
    head?: () => Uint8Array | undefined;
  },
): Promise<Uint8Array> {
  if (/^0x[0-9a-fA-F]{64}$/.test(id)) return Uint8Array.from(Buffer.from(id.slice(2), "hex"));
  if (id === "head") {
    const head = deps.head?.();
    if (!head) throw HttpError.notFound("this node does not know its head block yet");
    return head;
  }
  if (/^(0|[1-9][0-9]{0,15})$/.test(id)) {
    const slot = Number(id);
    // The store indexes proofs, not blocks, by slot: a slot without stored proofs is not found.
    const proofs = await deps.store.proofsBySlotRange(slot, 1);
    let latest: { blockRoot: Uint8Array; seenAt: number } | undefined;
    for (const root of new Set(proofs.map((p) => toHex(p.newPayloadRequestRoot)))) {
      const payload = await deps.store.getPayload(Uint8Array.from(Buffer.from(root.slice(2), "hex")));
      if (payload && payload.slot === slot && (!latest || payload.seenAt > latest.seenAt)) latest = payload;
    }
    if (!latest) throw HttpError.notFound(`no block with known proofs at slot ${slot}`);
    return latest.blockRoot;
  }
  throw HttpError.badRequest(`invalid block_id "${id.slice(0, 80)}": use a 0x block root, a slot or head`);
}

function requireEnvelopeProfile(containers: ProofContainers): void {
  if (containers.profile.wire !== "envelope") {
    throw new HttpError(
      501,
      `the execution_proofs beacon API carries SignedExecutionProofEnvelope: spec profile ${containers.profile.name} has no envelopes`,
    );
  }
}
