// What the req/resp server answers, over the proof store: by range (slot-ascending, inside the serve
// range finalized slot..current slot), by block root, and our execution_proof_status.
import {
  decodeStoredProof,
  type ExecutionProofStatusValue,
  type ExecutionProofsByRangeRequestValue,
  type ProofByRootIdentifierValue,
  type ProofContainers,
  type SignedExecutionProof,
} from "../../spec/containers.ts";
import type { StoredProof } from "../../store/interface.ts";
import { toHex } from "../../util/hex.ts";
import type { P2pModules } from "../interface.ts";
import {
  MAX_RANGE_COUNT,
  MAX_RESPONSE_PROOFS,
  RESP_INVALID_REQUEST,
  RESP_RESOURCE_UNAVAILABLE,
  ReqRespError,
} from "./protocols.ts";

export type ServeDeps = Pick<P2pModules, "store" | "chain" | "containers" | "proofTypes">;

/** A stored proof as the network sends it; undefined for proofs that were never signed. */
export function storedToSigned(
  stored: StoredProof,
  containers: ProofContainers,
): SignedExecutionProof | undefined {
  if (!stored.signed) return undefined;
  return {
    message: decodeStoredProof(containers, stored.proof, stored.newPayloadRequestRoot),
    validatorIndex: stored.signed.validatorIndex,
    signature: stored.signed.signature,
  };
}

function typeFilter(requested: readonly number[]): (t: number) => boolean {
  return requested.length === 0 ? () => true : (t) => requested.includes(t);
}

export async function serveByRange(
  req: ExecutionProofsByRangeRequestValue,
  deps: ServeDeps,
): Promise<SignedExecutionProof[]> {
  // start_slot and count are exact u64 (bigint): compared before narrowing, so 2^60 + 1 is not 2^60.
  if (req.count === 0n || req.count > BigInt(MAX_RANGE_COUNT)) {
    throw new ReqRespError(RESP_INVALID_REQUEST, `count must be 1..${MAX_RANGE_COUNT}`);
  }
  const finalized = deps.chain.finalizedSlot();
  const current = deps.chain.currentSlot();
  if (req.startSlot < BigInt(finalized)) {
    throw new ReqRespError(
      RESP_RESOURCE_UNAVAILABLE,
      `proofs before finalized slot ${finalized} are not served`,
    );
  }
  if (req.startSlot > BigInt(current)) return [];
  const startSlot = Number(req.startSlot);
  const count = Math.min(Number(req.count), current - startSlot + 1);
  const stored = await deps.store.proofsBySlotRange(startSlot, count, req.proofTypes);
  const wanted = typeFilter(req.proofTypes);
  const out: SignedExecutionProof[] = [];
  // Proofs of an orphaned block stay stored (it may come back) but its payload record goes: not served.
  const payloadKnown = new Map<string, boolean>();
  for (const s of stored) {
    if (!wanted(s.proofType)) continue;
    const rootHex = toHex(s.newPayloadRequestRoot);
    let known = payloadKnown.get(rootHex);
    if (known === undefined) {
      known = (await deps.store.getPayload(s.newPayloadRequestRoot)) !== undefined;
      payloadKnown.set(rootHex, known);
    }
    if (!known) continue;
    const signed = storedToSigned(s, deps.containers);
    if (signed) out.push(signed);
    if (out.length >= MAX_RESPONSE_PROOFS) break;
  }
  return out;
}

export async function serveByRoot(
  ids: readonly ProofByRootIdentifierValue[],
  deps: ServeDeps,
): Promise<SignedExecutionProof[]> {
  const out: SignedExecutionProof[] = [];
  const finalized = deps.chain.finalizedSlot();
  for (const id of ids) {
    const payload = await deps.store.payloadByBlockRoot(id.blockRoot);
    if (!payload || payload.slot < finalized) continue;
    const wanted = typeFilter(id.proofTypes);
    for (const s of await deps.store.proofsByRoot(payload.newPayloadRequestRoot)) {
      if (!wanted(s.proofType)) continue;
      const signed = storedToSigned(s, deps.containers);
      if (signed) out.push(signed);
      if (out.length >= MAX_RESPONSE_PROOFS) return out;
    }
  }
  return out;
}

export function ourStatus(deps: ServeDeps): ExecutionProofStatusValue {
  const head = deps.chain.head();
  return { blockRoot: head.blockRoot, slot: head.slot, proofTypes: [...deps.proofTypes] };
}
