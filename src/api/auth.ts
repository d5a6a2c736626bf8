// Optional authentication of the proof-engine API's write endpoints (POST /v1/...): a static bearer
// token read from a file, and/or an Engine-API style HS256 JWT (fresh `iat`) signed with a secret
// file like the gateway's. Read-only GETs, /health and the BLS-signed beacon-API POST stay open.
import { createHash, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { readJwtSecret, verifyJwt } from "../gateway/jwt.ts";
import { HttpError } from "../http/errors.ts";
import { EproofError, errorMessage } from "../util/errors.ts";

/** Shortest bearer token accepted from a token file. */
export const MIN_API_TOKEN_CHARS = 16;

export interface ApiAuthOpts {
  /** File holding the bearer token (surrounding whitespace ignored). */
  authTokenFile?: string;
  /** Hex JWT secret file (32 bytes): `Authorization: Bearer <HS256 JWT with iat>`. */
  jwtSecretFile?: string;
}

export interface ApiAuth {
  /** Throws a 401 HttpError unless the request carries an accepted credential. */
  check(req: IncomingMessage): void;
}

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/** Reads the configured credentials; undefined when neither file is configured (API open). */
export async function loadApiAuth(opts: ApiAuthOpts, nowMs: () => number): Promise<ApiAuth | undefined> {
  if (!opts.authTokenFile && !opts.jwtSecretFile) return undefined;
  const token = opts.authTokenFile ? await readToken(opts.authTokenFile) : undefined;
  const secret = opts.jwtSecretFile ? await readJwtSecret(opts.jwtSecretFile) : undefined;
  return apiAuth({ token, secret }, nowMs);
}

/** The check itself, from credentials already read (a token string and/or a 32-byte JWT secret). */
export function apiAuth(creds: { token?: string; secret?: Uint8Array }, nowMs: () => number): ApiAuth {
  const tokenDigest = creds.token !== undefined ? digest(creds.token) : undefined;
  const expected = [
    tokenDigest ? "Authorization: Bearer <token from api.authTokenFile>" : "",
    creds.secret ? "Authorization: Bearer <HS256 JWT signed with api.jwtSecretFile>" : "",
  ]
    .filter((s) => s.length > 0)
    .join(" or ");
  return {
    check(req) {
      const header = req.headers.authorization;
      const unauthorized = (why: string): HttpError =>
        HttpError.unauthorized(`${why}: this endpoint wants ${expected}`);
      if (!header) throw unauthorized("missing Authorization header");
      const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
      if (!m?.[1]) throw unauthorized("Authorization header is not 'Bearer <credential>'");
      const given = m[1];
      if (tokenDigest && timingSafeEqual(digest(given), tokenDigest)) return;
      if (creds.secret) {
        try {
          verifyJwt(header, creds.secret, Math.floor(nowMs() / 1000));
          return;
        } catch (e) {
          if (!tokenDigest) throw unauthorized(errorMessage(e));
        }
      }
      throw unauthorized("credential not accepted");
    },
  };
}

async function readToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new EproofError("BAD_CONFIG", `cannot read API token file ${path}: ${errorMessage(e)}`);
  }
  const token = text.trim();
  if (token.length < MIN_API_TOKEN_CHARS || /\s/.test(token)) {
    // The message never quotes the file: it is a secret even when malformed.
    throw new EproofError(
      "BAD_CONFIG",
      `API token file ${path} must hold one token of at least ${MIN_API_TOKEN_CHARS} characters without whitespace`,
    );
  }
  return token;
}
