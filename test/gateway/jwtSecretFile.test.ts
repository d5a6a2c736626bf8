// JWT secret files: errors name the file and the rule, never the file's content (issue 18, defect 7).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJwtSecret, readJwtSecretSync } from "../../src/gateway/jwt.ts";
import { errorMessage } from "../../src/util/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "eproof-jwt-"));
// 64 characters, one of them not hex: the rest of it is still a secret.
const almost = `0x${"ab12cd34ef".repeat(6)}abz4`;

describe("JWT secret files", () => {
  it("a malformed secret is reported without any of its characters (sync and async)", async () => {
    const path = join(dir, "bad.hex");
    writeFileSync(path, `${almost}\n`);
    const sync = (() => {
      try {
        readJwtSecretSync(path);
      } catch (e) {
        return errorMessage(e);
      }
      return "";
    })();
    const async = await readJwtSecret(path).then(
      () => "",
      (e: unknown) => errorMessage(e),
    );
    for (const m of [sync, async]) {
      expect(m).toMatch(/32 bytes as hex/);
      expect(m).toContain(path);
      expect(m).not.toContain("ab12cd");
    }
  });

  it("reads a good secret, 0x-prefixed or not", () => {
    const good = join(dir, "good.hex");
    writeFileSync(good, `${"11".repeat(32)}\n`);
    expect(readJwtSecretSync(good)).toEqual(new Uint8Array(32).fill(0x11));
    writeFileSync(good, `0x${"22".repeat(32)}`);
    expect(readJwtSecretSync(good)).toEqual(new Uint8Array(32).fill(0x22));
    expect(() => readJwtSecretSync(join(dir, "missing"))).toThrow(/cannot read JWT secret file/);
  });
});
