import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  decodeGuestResult43,
  expectedPublicValues,
  publicValuesMismatch,
} from "../../../src/proving/backends/ereGuestIo.ts";
import { getProfile } from "../../../src/spec/profile.ts";
import { EproofError } from "../../../src/util/errors.ts";
import { fromHex, toHex } from "../../../src/util/hex.ts";

const FIXTURE = new URL(
  "../../../../shared/fixtures/interop/tests-zkevm-v0.8.4/eip6110_invalid_deposit_layout.json",
  import.meta.url,
).pathname;

function fixtureOutput(): Uint8Array {
  const json = JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<
    string,
    { blocks: { statelessOutputBytes: string }[] }
  >;
  return fromHex(Object.values(json)[0]?.blocks[0]?.statelessOutputBytes ?? "0x");
}

describe("43-byte public values (tests-zkevm v0.8.4 / v21.0.1 guests)", () => {
  const out = fixtureOutput();
  const root = out.subarray(0, 32);

  it("is the v1.7 profile's form", () => {
    expect(getProfile("consensus-specs-v1.7.0-beta.4").publicValues).toBe("ssz_result_43");
    expect(getProfile("consensus-specs-v1.7.0-beta.4").statelessRevision).toBe("v0.8.4");
  });

  it("expects {root, true, chain id, 0x1501}: the fixture's output but for the validation flag", () => {
    const exp = expectedPublicValues("ssz_result_43", root, 1n);
    expect(exp.length).toBe(43);
    const flipped = new Uint8Array(out);
    flipped[32] = 1;
    expect(toHex(exp)).toBe(toHex(flipped));
    expect(toHex(exp.subarray(41))).toBe("0x0115");
    expect(publicValuesMismatch(out, exp)).toMatch(/do not match/);
    const padded = new Uint8Array(256);
    padded.set(exp);
    expect(publicValuesMismatch(padded, exp)).toBeUndefined();
  });

  it("decodes a result, padded or not, and recognises the all-zero sentinel", () => {
    const d = decodeGuestResult43(out);
    if (d.malformedInput) throw new Error("not the sentinel");
    expect(d.result).toEqual({
      newPayloadRequestRoot: root,
      successfulValidation: false,
      chainId: 1n,
      schemaId: 0x1501,
    });
    const padded = new Uint8Array(128);
    padded.set(out);
    expect(decodeGuestResult43(padded).malformedInput).toBe(false);
    expect(decodeGuestResult43(new Uint8Array(43))).toEqual({ malformedInput: true });
    expect(decodeGuestResult43(new Uint8Array(256))).toEqual({ malformedInput: true });
  });

  it("refuses short values, dirty padding and a bad boolean with EproofError", () => {
    expect(() => decodeGuestResult43(new Uint8Array(42))).toThrow(EproofError);
    const dirty = new Uint8Array(64);
    dirty.set(out);
    dirty[50] = 1;
    expect(() => decodeGuestResult43(dirty)).toThrow(/non-zero/);
    const bad = new Uint8Array(out);
    bad[32] = 7;
    expect(() => decodeGuestResult43(bad)).toThrow(EproofError);
  });

  it("refuses a root that is not 32 bytes", () => {
    expect(() => expectedPublicValues("ssz_result_43", new Uint8Array(31), 1n)).toThrow(EproofError);
  });
});
