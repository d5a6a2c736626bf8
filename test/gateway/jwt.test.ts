import { createHmac } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JwtError, parseJwtSecret, readJwtSecret, signJwt, verifyJwt } from "../../src/gateway/jwt.ts";

const SECRET = parseJwtSecret(`0x${"a1".repeat(32)}`);
const OTHER = parseJwtSecret("b2".repeat(32));
const NOW = 1_750_000_000;

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof JwtError) return e.reason;
    throw e;
  }
  throw new Error("expected a JwtError");
}

describe("Engine API JWT", () => {
  it("accepts an HS256 token whose iat is within ±60 s", () => {
    expect(verifyJwt(`Bearer ${signJwt(SECRET, NOW)}`, SECRET, NOW)).toMatchObject({ iat: NOW });
    expect(verifyJwt(`Bearer ${signJwt(SECRET, NOW - 60)}`, SECRET, NOW)).toMatchObject({ iat: NOW - 60 });
    expect(verifyJwt(`Bearer ${signJwt(SECRET, NOW + 60)}`, SECRET, NOW)).toMatchObject({ iat: NOW + 60 });
  });

  it("refuses a missing header, a non-bearer header and garbage", () => {
    expect(failure(() => verifyJwt(undefined, SECRET, NOW))).toBe("missing");
    expect(failure(() => verifyJwt(`Basic ${signJwt(SECRET, NOW)}`, SECRET, NOW))).toBe("malformed");
    expect(failure(() => verifyJwt("Bearer abc.def", SECRET, NOW))).toBe("malformed");
  });

  it("refuses an expired or future iat and a missing iat", () => {
    expect(failure(() => verifyJwt(`Bearer ${signJwt(SECRET, NOW - 61)}`, SECRET, NOW))).toBe("iat_window");
    expect(failure(() => verifyJwt(`Bearer ${signJwt(SECRET, NOW + 61)}`, SECRET, NOW))).toBe("iat_window");
    const h = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
    const noIat = Buffer.from(JSON.stringify({ sub: "x" })).toString("base64url");
    const sig = createHmac("sha256", SECRET).update(`${h}.${noIat}`).digest("base64url");
    expect(failure(() => verifyJwt(`Bearer ${h}.${noIat}.${sig}`, SECRET, NOW))).toBe("iat_missing");
    // A tampered payload no longer matches its signature.
    const [h2, , s2] = signJwt(SECRET, NOW).split(".");
    const later = Buffer.from(JSON.stringify({ iat: NOW + 1 })).toString("base64url");
    expect(failure(() => verifyJwt(`Bearer ${h2}.${later}.${s2}`, SECRET, NOW))).toBe("signature");
  });

  it("refuses a token signed with another secret and the 'none' algorithm", () => {
    expect(failure(() => verifyJwt(`Bearer ${signJwt(OTHER, NOW)}`, SECRET, NOW))).toBe("signature");
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const payload = Buffer.from(JSON.stringify({ iat: NOW })).toString("base64url");
    expect(failure(() => verifyJwt(`Bearer ${header}.${payload}.`, SECRET, NOW))).toBe("algorithm");
  });

  it("reads 32-byte hex secret files with or without 0x and refuses other lengths", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eproof-jwt-"));
    try {
      await writeFile(join(dir, "a.hex"), `0x${"a1".repeat(32)}\n`);
      expect(await readJwtSecret(join(dir, "a.hex"))).toEqual(SECRET);
      await writeFile(join(dir, "b.hex"), "a1".repeat(31));
      await expect(readJwtSecret(join(dir, "b.hex"))).rejects.toThrow(/32 bytes/);
      await expect(readJwtSecret(join(dir, "missing.hex"))).rejects.toThrow(/cannot read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
