// Strict 0x-hex conversion: malformed input is a BAD_HEX error, never a silent truncation.
import { EproofError } from "./errors.ts";

const HEX_RE = /^0x([0-9a-fA-F]{2})*$/;

export function fromHex(hex: string, what = "hex string"): Uint8Array {
  if (typeof hex !== "string" || !HEX_RE.test(hex)) {
    const shown = typeof hex === "string" ? `${hex.slice(0, 20)}${hex.length > 20 ? "…" : ""}` : typeof hex;
    throw new EproofError("BAD_HEX", `${what} is not 0x-prefixed even-length hex: ${shown}`);
  }
  return Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
}

export function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

export function fromHexFixed(hex: string, length: number, what = "hex string"): Uint8Array {
  const bytes = fromHex(hex, what);
  if (bytes.length !== length) {
    throw new EproofError("BAD_HEX", `${what} must be ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
