// What a zkVM guest reads and writes, per spec profile: `input_stdin` framing and the expected
// public values (SSZ StatelessValidationResult in its 41- or 43-byte form, or sha256(root ‖ 0x01)),
// zero-padded. Pure.
import { createHash } from "node:crypto";
import { BooleanType, ContainerType } from "@chainsafe/ssz";
import { ssz } from "@lodestar/types";
import { PublicChainConfig } from "../../spec/containers.ts";
import type { PublicValuesForm, StdinFraming } from "../../spec/profile.ts";
import {
  decodeResult43,
  encodeResult43,
  isMalformedInputResult43,
  RESULT_43_BYTES,
  SCHEMA_AMSTERDAM_R1,
  type StatelessResult43Value,
} from "../../spec/stateless.ts";
import { EproofError } from "../../util/errors.ts";
import { toHex } from "../../util/hex.ts";

/** The guest's output (execution-specs Amsterdam); all fields fixed-size, so 41 bytes of SSZ. */
export const StatelessValidationResultType = new ContainerType(
  {
    newPayloadRequestRoot: ssz.Root,
    successfulValidation: new BooleanType(),
    chainConfig: PublicChainConfig,
  },
  { typeName: "StatelessValidationResult", jsonCase: "eth2" },
);

/** `u32le_length_prefix` (ere ≤ 0.10 guests) or `raw` (ere ≥ 0.11). */
export function frameStdin(statelessInput: Uint8Array, framing: StdinFraming): Uint8Array {
  if (framing === "raw") return statelessInput;
  if (statelessInput.length > 0xffffffff) {
    throw new EproofError(
      "BAD_INPUT",
      `stateless input of ${statelessInput.length} bytes exceeds a u32 prefix`,
    );
  }
  const out = new Uint8Array(4 + statelessInput.length);
  new DataView(out.buffer).setUint32(0, statelessInput.length, true);
  out.set(statelessInput, 4);
  return out;
}

/**
 * The bytes a guest proving a valid payload with this root commits to (before padding). `schemaId` only
 * enters the 43-byte form (tests-zkevm v0.8.4 / v21.0.1 guests echo the input's schema id, 0x1501).
 */
export function expectedPublicValues(
  form: PublicValuesForm,
  newPayloadRequestRoot: Uint8Array,
  chainId: bigint,
  schemaId: number = SCHEMA_AMSTERDAM_R1,
): Uint8Array {
  if (newPayloadRequestRoot.length !== 32) {
    throw new EproofError(
      "BAD_INPUT",
      `new_payload_request_root must be 32 bytes, got ${newPayloadRequestRoot.length}`,
    );
  }
  if (form === "sha256_root_flag") {
    return new Uint8Array(
      createHash("sha256").update(newPayloadRequestRoot).update(Uint8Array.of(1)).digest(),
    );
  }
  if (form === "ssz_result_43") {
    return encodeResult43({ newPayloadRequestRoot, successfulValidation: true, chainId, schemaId });
  }
  return StatelessValidationResultType.serialize({
    newPayloadRequestRoot,
    successfulValidation: true,
    chainConfig: { chainId },
  });
}

/** Checks `publicValues` = expected ‖ zero padding; returns why not, or undefined when it matches. */
export function publicValuesMismatch(publicValues: Uint8Array, expected: Uint8Array): string | undefined {
  if (publicValues.length < expected.length) {
    return `public values are ${publicValues.length} bytes, expected at least ${expected.length}`;
  }
  for (let i = 0; i < expected.length; i++) {
    if (publicValues[i] !== expected[i]) {
      return `public values ${toHex(publicValues.subarray(0, expected.length))} do not match the expected ${toHex(expected)}`;
    }
  }
  for (let i = expected.length; i < publicValues.length; i++) {
    if (publicValues[i] !== 0) return `public values have non-zero bytes after the result (offset ${i})`;
  }
  return undefined;
}

/** A guest's 43-byte output: the result, or the all-zero sentinel it writes for an undecodable input. */
export type GuestResult43 =
  | { malformedInput: true }
  | { malformedInput: false; result: StatelessResult43Value };

/**
 * Decodes the first 43 bytes of public values (the rest must be zero padding) as the v0.8.4 / v21.0.1
 * result; 43 zero bytes are the malformed-input sentinel. Anything else malformed is SSZ_DECODE.
 */
export function decodeGuestResult43(publicValues: Uint8Array): GuestResult43 {
  if (publicValues.length < RESULT_43_BYTES) {
    throw new EproofError(
      "SSZ_DECODE",
      `public values are ${publicValues.length} bytes, a StatelessValidationResult is ${RESULT_43_BYTES}`,
    );
  }
  for (let i = RESULT_43_BYTES; i < publicValues.length; i++) {
    if (publicValues[i] !== 0) {
      throw new EproofError("SSZ_DECODE", `public values have non-zero bytes after the result (offset ${i})`);
    }
  }
  const head = publicValues.subarray(0, RESULT_43_BYTES);
  if (isMalformedInputResult43(head)) return { malformedInput: true };
  return { malformedInput: false, result: decodeResult43(head) };
}
