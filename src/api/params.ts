// Parsing of path and query parameters shared by the API handlers: each failure is a 400 that
// names the parameter.

import { HttpError } from "../http/errors.ts";
import type { ProofTypeEntry, ProofTypeTable } from "../spec/proofTypes.ts";
import { errorMessage } from "../util/errors.ts";
import { fromHexFixed } from "../util/hex.ts";

/** A 0x-prefixed 32-byte hex root. */
export function parseRoot(value: string | null | undefined, name: string): Uint8Array {
  if (value === null || value === undefined || value === "") {
    throw HttpError.badRequest(`missing ${name}`);
  }
  try {
    return fromHexFixed(value, 32, name);
  } catch (e) {
    throw HttpError.badRequest(errorMessage(e));
  }
}

/** A proof type by name (zkboost) or id; unknown types are reported with `status`. */
export function parseProofType(
  value: string | null | undefined,
  table: ProofTypeTable,
  status: 400 | 404 = 400,
): ProofTypeEntry {
  if (value === null || value === undefined || value === "") throw HttpError.badRequest("missing proof_type");
  try {
    return table.resolve(value);
  } catch (e) {
    throw new HttpError(status, errorMessage(e));
  }
}

/** `proof_types=a,b`: non-empty, no duplicates, every name known. */
export function parseProofTypeList(value: string | null, table: ProofTypeTable): ProofTypeEntry[] {
  const names = (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw HttpError.badRequest("proof_types must contain at least one valid value");
  const entries = names.map((n) => parseProofType(n, table));
  const seen = new Set<number>();
  for (const e of entries) {
    if (seen.has(e.id)) throw HttpError.badRequest(`proof_types lists "${e.name}" more than once`);
    seen.add(e.id);
  }
  return entries;
}
