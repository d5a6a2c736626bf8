// u64 fields decoded as JS numbers must not lose precision (issue 18, defect 8): a value above 2^53 - 1
// decodes to a neighbouring float, so its root is not the root of its bytes. Two guards: a number-typed
// u64 that refuses such values at decode, and a check over values typed by others (@lodestar/types).
import { type ByteViews, UintNumberType } from "@chainsafe/ssz";
import { EproofError } from "../util/errors.ts";

/**
 * uint64 as a JS number, refusing (SSZ_DECODE) any value above Number.MAX_SAFE_INTEGER at decode. For
 * fields that are real indices or slots (validator_index, a peer's head slot): such values cannot exist.
 */
export class SafeUintNum64Type extends UintNumberType {
  constructor(typeName = "SafeUintNum64") {
    super(8, { typeName });
  }

  override value_deserializeFromBytes(data: ByteViews, start: number, end: number): number {
    const value = super.value_deserializeFromBytes(data, start, end);
    if (value > Number.MAX_SAFE_INTEGER) {
      const exact = data.dataView.getBigUint64(start, true);
      throw new EproofError("SSZ_DECODE", `${this.typeName} ${exact} is above 2^53 - 1 and is refused`);
    }
    return value;
  }
}

export const SafeUintNum64 = new SafeUintNum64Type();

/**
 * Throws SSZ_DECODE when a decoded value holds a number that is no safe integer (a u64 decoded lossily
 * by a number-typed field). Walks plain objects and arrays; byte arrays and bigints are exact.
 */
export function assertExactNumbers(value: unknown, what: string): void {
  const path = findInexact(value, "");
  if (path !== undefined) {
    throw new EproofError(
      "SSZ_DECODE",
      `${what}: ${path.path || "value"} = ${path.value} is above 2^53 - 1 and cannot be decoded exactly`,
    );
  }
}

function findInexact(value: unknown, path: string): { path: string; value: number } | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? undefined : { path, value };
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findInexact(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, v] of Object.entries(value)) {
    const found = findInexact(v, path ? `${path}.${key}` : key);
    if (found) return found;
  }
  return undefined;
}
