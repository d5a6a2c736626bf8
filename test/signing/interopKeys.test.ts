import { describe, expect, it } from "vitest";
import { interopSecretKey } from "../../src/signing/interopKeys.ts";
import { toHex } from "../../src/util/hex.ts";

describe("interop validator keys", () => {
  it("derive the well-known public keys of interop validators 0 and 1", () => {
    expect(toHex(interopSecretKey(0).toPublicKey().toBytes())).toBe(
      "0xa99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4eb61349b4bf2d153f649f7b53359fe8b94a38e44c",
    );
    expect(toHex(interopSecretKey(1).toPublicKey().toBytes())).toBe(
      "0xb89bebc699769726a318c8e9971bd3171297c61aea4a6578a7a4f94b547dcba5bac16a89108b6b6a1fe3695d1a874a0b",
    );
  });
});
