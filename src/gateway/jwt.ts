// Engine API authentication (execution-apis src/engine/authentication.md): HS256 JWTs signed
// with a shared 32-byte secret read from a hex file; `iat` is required and must lie within
// ±60 s of now; any other algorithm (including "none") is refused.
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { EproofError, errorMessage } from "../util/errors.ts";

export const JWT_SECRET_BYTES = 32;
export const JWT_IAT_WINDOW_SEC = 60;

/** Reads a JWT secret file: 64 hex chars, optionally 0x-prefixed, surrounding whitespace ignored. */
export async function readJwtSecret(path: string): Promise<Uint8Array> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new EproofError("BAD_CONFIG", `cannot read JWT secret file ${path}: ${errorMessage(e)}`);
  }
  return parseJwtSecret(text, path);
}

/**
 * The same, synchronously (the node reads the execution client's secret while it wires modules).
 * Errors name the file and what is wrong with it, never its content.
 */
export function readJwtSecretSync(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new EproofError("BAD_CONFIG", `cannot read JWT secret file ${path}: ${errorMessage(e)}`);
  }
  return parseJwtSecret(text, `JWT secret file ${path}`);
}

/** Parses the secret; an error says what the text lacks without quoting any of it. */
export function parseJwtSecret(text: string, source = "JWT secret"): Uint8Array {
  const hex = text.trim().replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length !== JWT_SECRET_BYTES * 2) {
    throw new EproofError(
      "BAD_CONFIG",
      `${source} must hold ${JWT_SECRET_BYTES} bytes as hex (64 hex characters)`,
    );
  }
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

function hmac(secret: Uint8Array, input: string): Buffer {
  return createHmac("sha256", secret).update(input).digest();
}

/** Signs `{iat}` (plus optional claims) with HS256, as a consensus client does per request. */
export function signJwt(secret: Uint8Array, iatSec: number, extra: Record<string, string> = {}): string {
  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = b64url(JSON.stringify({ iat: iatSec, ...extra }));
  return `${header}.${payload}.${b64url(hmac(secret, `${header}.${payload}`))}`;
}

export type JwtFailure = "missing" | "malformed" | "algorithm" | "signature" | "iat_missing" | "iat_window";

export class JwtError extends Error {
  readonly reason: JwtFailure;
  constructor(reason: JwtFailure, message: string) {
    super(message);
    this.reason = reason;
    this.name = "JwtError";
  }
}

function decodeJsonPart(part: string, what: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new JwtError("malformed", `JWT ${what} is not a base64url JSON object`);
}

/**
 * Checks an `Authorization` header value. Returns the claims; throws JwtError (answered 401) for a
 * missing/malformed token, a non-HS256 algorithm, a bad signature or an iat outside the window.
 */
export function verifyJwt(
  authorization: string | undefined,
  secret: Uint8Array,
  nowSec: number,
  windowSec = JWT_IAT_WINDOW_SEC,
): Record<string, unknown> {
  if (!authorization) throw new JwtError("missing", "missing Authorization: Bearer <jwt> header");
  const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!m?.[1]) throw new JwtError("malformed", "Authorization header must be 'Bearer <jwt>'");
  const parts = m[1].split(".");
  if (parts.length !== 3) throw new JwtError("malformed", "JWT must have three dot-separated parts");
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJsonPart(h, "header");
  if (header.alg !== "HS256")
    throw new JwtError("algorithm", `JWT algorithm must be HS256, got ${String(header.alg)}`);
  const expected = hmac(secret, `${h}.${p}`);
  const given = Buffer.from(s, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new JwtError("signature", "JWT signature does not match the shared secret");
  }
  const claims = decodeJsonPart(p, "payload");
  const iat = claims.iat;
  if (typeof iat !== "number" || !Number.isFinite(iat))
    throw new JwtError("iat_missing", "JWT has no numeric iat claim");
  if (Math.abs(nowSec - iat) > windowSec) {
    throw new JwtError(
      "iat_window",
      `JWT iat is ${Math.round(iat - nowSec)} s from now (allowed ±${windowSec} s)`,
    );
  }
  return claims;
}
