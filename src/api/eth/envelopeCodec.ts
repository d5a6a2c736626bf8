// Wire forms of the beacon API's `List[SignedExecutionProofEnvelope, MAX_EXECUTION_PROOFS_PER_PAYLOAD]`:
// SSZ (offsets read and bounded before any element is decoded) and the beacon-API JSON form
// (0x-hex bytes, quoted integers; plain JSON numbers are accepted on input as Lighthouse's serde does).
// Shape as in eth-act/lighthouse `consensus/types` SignedExecutionProofEnvelope(s) (read at
// beacon_node/http_api/src/beacon/execution_proofs.rs, commit 2ab0268b2917ae60087e28ab89de5dd0f187a435).

import { HttpError } from "../../http/errors.ts";
import type { ProofContainers, SignedExecutionProof } from "../../spec/containers.ts";
import { MAX_EXECUTION_PROOFS_PER_PAYLOAD } from "../../spec/profile.ts";
import { errorMessage } from "../../util/errors.ts";
import { toHex } from "../../util/hex.ts";

/** One request carries at most this many envelopes (Lighthouse's SignedExecutionProofEnvelopes bound). */
export const MAX_ENVELOPES_PER_REQUEST = MAX_EXECUTION_PROOFS_PER_PAYLOAD;

const OFFSET_BYTES = 4;
/** Room for field names, quotes and whitespace per JSON envelope, beyond its hex. */
const JSON_OVERHEAD_PER_ENVELOPE = 1024;

/** Largest SSZ list body: one offset and one maximal envelope per entry. */
export function maxEnvelopeListSszBytes(containers: ProofContainers): number {
  return MAX_ENVELOPES_PER_REQUEST * (OFFSET_BYTES + containers.maxSignedProofBytes);
}

/** Largest JSON list body: every byte as two hex digits, plus the keys. */
export function maxEnvelopeListJsonBytes(containers: ProofContainers): number {
  return MAX_ENVELOPES_PER_REQUEST * (2 * containers.maxSignedProofBytes + JSON_OVERHEAD_PER_ENVELOPE);
}

/**
 * SSZ list of variable-size elements: `count` little-endian u32 offsets, then the elements. The
 * count and the offsets are checked first, so a junk body costs a few comparisons, not a decode.
 */
export function decodeEnvelopeListSsz(
  bytes: Uint8Array,
  containers: ProofContainers,
): SignedExecutionProof[] {
  if (bytes.length === 0) throw HttpError.badRequest("no execution proofs supplied");
  if (bytes.length < OFFSET_BYTES) {
    throw HttpError.badRequest(`invalid SSZ: ${bytes.length} bytes cannot hold a list offset`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = view.getUint32(0, true);
  if (first % OFFSET_BYTES !== 0 || first === 0) {
    throw HttpError.badRequest(`invalid SSZ: first offset ${first} is not a non-zero multiple of 4`);
  }
  const count = first / OFFSET_BYTES;
  if (count > MAX_ENVELOPES_PER_REQUEST) {
    throw HttpError.badRequest(
      `too many execution proofs: ${count} (at most ${MAX_ENVELOPES_PER_REQUEST} per request)`,
    );
  }
  if (first > bytes.length) throw HttpError.badRequest("invalid SSZ: truncated offset table");
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) offsets.push(view.getUint32(i * OFFSET_BYTES, true));
  offsets.push(bytes.length);
  const out: SignedExecutionProof[] = [];
  for (let i = 0; i < count; i++) {
    const start = offsets[i] as number;
    const end = offsets[i + 1] as number;
    if (end < start || end > bytes.length) {
      throw HttpError.badRequest(`invalid SSZ: offset of index ${i + 1} is out of order or past the end`);
    }
    if (end - start > containers.maxSignedProofBytes) {
      throw HttpError.badRequest(
        `invalid SSZ at index ${i}: ${end - start} bytes exceed the largest envelope (${containers.maxSignedProofBytes})`,
      );
    }
    try {
      out.push(containers.SignedExecutionProof.deserialize(bytes.subarray(start, end)));
    } catch (e) {
      throw HttpError.badRequest(`invalid SSZ at index ${i}: ${errorMessage(e)}`);
    }
  }
  return out;
}

export function encodeEnvelopeListSsz(
  envelopes: readonly SignedExecutionProof[],
  containers: ProofContainers,
): Uint8Array {
  const parts = envelopes.map((e) => containers.SignedExecutionProof.serialize(e));
  const head = parts.length * OFFSET_BYTES;
  const total = parts.reduce((n, p) => n + p.length, head);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let pos = head;
  parts.forEach((p, i) => {
    view.setUint32(i * OFFSET_BYTES, pos, true);
    out.set(p, pos);
    pos += p.length;
  });
  return out;
}

/** The beacon-API JSON form of one envelope. */
export interface SignedExecutionProofEnvelopeJson {
  message: { proof_data: string; proof_type: string; beacon_block_root: string };
  validator_index: string;
  signature: string;
}

export function envelopeToJson(signed: SignedExecutionProof): SignedExecutionProofEnvelopeJson {
  return {
    message: {
      proof_data: toHex(signed.message.proofData),
      proof_type: String(signed.message.proofType),
      beacon_block_root: toHex(signed.message.beaconBlockRoot ?? new Uint8Array(32)),
    },
    validator_index: String(signed.validatorIndex),
    signature: toHex(signed.signature),
  };
}

/** A JSON body (already parsed): an array of 1..4 envelopes, each strictly checked. */
export function decodeEnvelopeListJson(body: unknown, containers: ProofContainers): SignedExecutionProof[] {
  if (!Array.isArray(body)) {
    throw HttpError.badRequest("body must be a JSON array of signed execution proof envelopes");
  }
  if (body.length === 0) throw HttpError.badRequest("no execution proofs supplied");
  if (body.length > MAX_ENVELOPES_PER_REQUEST) {
    throw HttpError.badRequest(
      `too many execution proofs: ${body.length} (at most ${MAX_ENVELOPES_PER_REQUEST} per request)`,
    );
  }
  return body.map((item, i) => {
    try {
      return envelopeFromJson(item, containers);
    } catch (e) {
      throw HttpError.badRequest(`invalid envelope at index ${i}: ${errorMessage(e)}`);
    }
  });
}

function envelopeFromJson(value: unknown, containers: ProofContainers): SignedExecutionProof {
  const obj = record(value, "envelope");
  const message = record(obj.message, "message");
  const maxProof = containers.profile.maxProofSize;
  return {
    message: {
      proofData: hexBytes(message.proof_data, "message.proof_data", { max: maxProof }),
      proofType: uint(message.proof_type, "message.proof_type", 255),
      beaconBlockRoot: hexBytes(message.beacon_block_root, "message.beacon_block_root", { exact: 32 }),
      // Unresolved, as for a decoded SSZ envelope: the receiver maps the block to its payload.
      publicInput: { newPayloadRequestRoot: new Uint8Array(32) },
    },
    validatorIndex: uint(obj.validator_index, "validator_index", Number.MAX_SAFE_INTEGER),
    signature: hexBytes(obj.signature, "signature", { exact: 96 }),
  };
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

const HEX_BODY = /^[0-9a-fA-F]*$/;

/** 0x-hex with its length checked before any conversion. */
function hexBytes(value: unknown, what: string, size: { exact?: number; max?: number }): Uint8Array {
  if (typeof value !== "string" || !value.startsWith("0x") || value.length % 2 !== 0) {
    throw new Error(`${what} must be a 0x-prefixed even-length hex string`);
  }
  const n = (value.length - 2) / 2;
  if (size.exact !== undefined && n !== size.exact)
    throw new Error(`${what} must be ${size.exact} bytes, got ${n}`);
  if (size.max !== undefined && n > size.max)
    throw new Error(`${what} has ${n} bytes, more than ${size.max}`);
  const body = value.slice(2);
  if (!HEX_BODY.test(body)) throw new Error(`${what} is not hex`);
  return Uint8Array.from(Buffer.from(body, "hex"));
}

/** A decimal string ("5", the beacon-API form) or a JSON integer. */
function uint(value: unknown, what: string, max: number): number {
  let n: number;
  if (typeof value === "string" && /^(0|[1-9][0-9]{0,19})$/.test(value)) n = Number(value);
  else if (typeof value === "number" && Number.isInteger(value)) n = value;
  else throw new Error(`${what} must be an unsigned decimal integer (quoted or not)`);
  if (n < 0 || n > max) throw new Error(`${what} ${String(value)} is out of range (0..${max})`);
  return n;
}
