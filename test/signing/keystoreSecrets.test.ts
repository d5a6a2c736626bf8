// Keystore errors name the file and what is wrong, never what the file holds (issue 18, defect 7).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SecretKey } from "@chainsafe/blst";
import { describe, expect, it } from "vitest";
import { createKeystoreJson, loadKeystore } from "../../src/signing/index.ts";
import { errorMessage } from "../../src/util/errors.ts";
import { tempDir } from "../support/tempDir.ts";

describe("keystore errors", () => {
  it("a password file given as the keystore does not print the password", async () => {
    const dir = tempDir("eproof-ks-");
    const password = "hunter2-correct-horse";
    writeFileSync(join(dir, "pw"), `${password}\n`);
    const err = await loadKeystore(join(dir, "pw"), join(dir, "pw")).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(errorMessage(err)).toMatch(/is not JSON/);
    expect(errorMessage(err)).not.toContain("hunter");
    expect(errorMessage(err)).not.toContain("horse");
  });

  it("a JSON file that is not a keystore names the rule, not the values", async () => {
    const dir = tempDir("eproof-ks-");
    writeFileSync(join(dir, "ks.json"), JSON.stringify({ crypto: "topsecretvalue", version: 4 }));
    writeFileSync(join(dir, "pw"), "pw");
    const err = await loadKeystore(join(dir, "ks.json"), join(dir, "pw")).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(errorMessage(err)).toMatch(/not an EIP-2335 keystore/);
    expect(errorMessage(err)).not.toContain("topsecretvalue");
  });

  it("still loads a real keystore", async () => {
    const dir = tempDir("eproof-ks-");
    const key = SecretKey.fromKeygen(new Uint8Array(32).fill(3));
    writeFileSync(join(dir, "ks.json"), await createKeystoreJson(key, "pw"));
    writeFileSync(join(dir, "pw"), "pw\n");
    const loaded = await loadKeystore(join(dir, "ks.json"), join(dir, "pw"));
    expect(loaded.pubkey).toEqual(key.toPublicKey().toBytes());
  });
});
