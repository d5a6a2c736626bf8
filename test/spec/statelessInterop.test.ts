// Interop vectors for the current 0x1501 stateless schema: the tests-zkevm v0.8.4 / v21.0.1 fixtures
// (status-im/nimbus-zkvm-guests copies) and eth-act/ere-guests' progressive roots and 43-byte output.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  decodeResult43,
  decodeStatelessInput,
  decodeValidationResult,
  ExecutionWitnessProgressive,
  encodeResult43,
  encodeStatelessInput,
  encodeValidationResult,
  executionNprFromGloas,
  executionNprRoot,
  gloasNprFromExecution,
  isMalformedInputResult43,
  malformedInputResult43,
  NprAmsterdamR1,
  PublicKeysProgressive,
  SCHEMA_AMSTERDAM_R1,
  type StatelessRevisionName,
  statelessNprRoot,
  witnessFromRpcJson,
} from "../../src/spec/stateless.ts";
import "../../src/spec/statelessRegistry.ts";
import { getProfile } from "../../src/spec/profile.ts";
import { decodeNamed } from "../../src/spec/registry.ts";
import { EproofError } from "../../src/util/errors.ts";
import { bytesEqual, fromHex, toHex } from "../../src/util/hex.ts";

const INTEROP = new URL("../../../shared/fixtures/interop/", import.meta.url).pathname;
const EXPECTED_ROOT = "0xda0926e5c936988bfbbbc293a2aa9ae2bd90203a70498bf223584e6cc8e4fd4d";

interface FixtureBlock {
  statelessInputBytes: string;
  statelessOutputBytes: string;
  executionWitness: { state: string[]; codes: string[]; headers: string[] };
}

function fixtureBlock(revision: "v0.8.4" | "v21.0.1"): FixtureBlock {
  const file = join(INTEROP, `tests-zkevm-${revision}`, "eip6110_invalid_deposit_layout.json");
  const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, { blocks: FixtureBlock[] }>;
  const block = Object.values(json)[0]?.blocks[0];
  if (!block) throw new Error(`${file}: no block`);
  return block;
}

function expectDecodeError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EproofError);
    expect((e as EproofError).code).toBe("SSZ_DECODE");
    return;
  }
  throw new Error("expected an EproofError");
}

const REVISIONS = [
  { revision: "v0.8.4", other: "v21.0.1", keys: true },
  { revision: "v21.0.1", other: "v0.8.4", keys: false },
] as const;

describe.each(REVISIONS)(
  "tests-zkevm $revision eip6110_invalid_deposit_layout",
  ({ revision, other, keys }) => {
    const block = fixtureBlock(revision);
    const input = fromHex(block.statelessInputBytes);
    const output = fromHex(block.statelessOutputBytes);

    it("decodes with its revision and re-encodes to identical bytes", () => {
      expect([input[0], input[1]]).toEqual([0x15, 0x01]);
      const d = decodeStatelessInput(input, revision);
      expect(d.schemaId).toBe(SCHEMA_AMSTERDAM_R1);
      expect(d.revision).toBe(revision);
      expect(d.value.chainConfig).toEqual({ chainId: 1 });
      expect(d.value.publicKeys.length).toBe(keys ? 1 : 0);
      expect(bytesEqual(encodeStatelessInput(d.value, SCHEMA_AMSTERDAM_R1), input)).toBe(true);
      expect(bytesEqual(encodeStatelessInput(d.value, SCHEMA_AMSTERDAM_R1, revision), input)).toBe(true);
    });

    it("is found without naming the revision", () => {
      const d = decodeStatelessInput(input);
      expect(d.revision).toBe(revision);
      expect(bytesEqual(encodeStatelessInput(d.value, SCHEMA_AMSTERDAM_R1), input)).toBe(true);
    });

    it("carries the fixture's executionWitness", () => {
      const { value } = decodeStatelessInput(input, revision);
      const json = witnessFromRpcJson(block.executionWitness);
      expect(value.witness.state.map(toHex)).toEqual(json.state.map(toHex));
      expect(value.witness.codes.map(toHex)).toEqual(json.codes.map(toHex));
      expect(value.witness.headers.map(toHex)).toEqual(json.headers.map(toHex));
    });

    it("has the execution-layer NPR root stated in statelessOutputBytes", () => {
      const { value } = decodeStatelessInput(input, revision);
      expect(toHex(statelessNprRoot(value.newPayloadRequest))).toBe(EXPECTED_ROOT);
      expect(toHex(output.subarray(0, 32))).toBe(EXPECTED_ROOT);
    });

    it("writes statelessOutputBytes exactly for {root, false, 1, 0x1501}", () => {
      const ours = encodeResult43({
        newPayloadRequestRoot: fromHex(EXPECTED_ROOT),
        successfulValidation: false,
        chainId: 1n,
        schemaId: SCHEMA_AMSTERDAM_R1,
      });
      expect(toHex(ours)).toBe(toHex(output));
      const viaValue = encodeValidationResult(
        {
          newPayloadRequestRoot: fromHex(EXPECTED_ROOT),
          successfulValidation: false,
          chainConfig: { chainId: 1 },
        },
        SCHEMA_AMSTERDAM_R1,
        revision,
      );
      expect(toHex(viaValue)).toBe(toHex(output));
      expect(decodeValidationResult(output)).toEqual({
        newPayloadRequestRoot: fromHex(EXPECTED_ROOT),
        successfulValidation: false,
        chainConfig: { chainId: 1 },
        schemaId: SCHEMA_AMSTERDAM_R1,
      });
    });

    it("fails cleanly when decoded as the other revisions", () => {
      expectDecodeError(() => decodeStatelessInput(input, other));
      expectDecodeError(() => decodeStatelessInput(input, "amsterdam-2026-08"));
    });

    it("keeps the EL root through the Gloas consensus form and back", () => {
      const { value } = decodeStatelessInput(input, revision);
      if (value.newPayloadRequest.schema !== "amsterdam-r1") throw new Error("wrong family");
      const el = value.newPayloadRequest.value;
      const gloas = gloasNprFromExecution(el);
      const back = executionNprFromGloas({ fork: "gloas", value: gloas });
      expect(toHex(NprAmsterdamR1.hashTreeRoot(back))).toBe(EXPECTED_ROOT);
      expect(toHex(executionNprRoot({ fork: "gloas", value: gloas }))).toBe(EXPECTED_ROOT);
      expect(toHex(executionNprRoot(el))).toBe(EXPECTED_ROOT);
      expect(toHex(NprAmsterdamR1.serialize(back))).toBe(toHex(NprAmsterdamR1.serialize(el)));
    });
  },
);

describe("0x1501 malformed bytes", () => {
  const good = fromHex(fixtureBlock("v0.8.4").statelessInputBytes);
  const revs: (StatelessRevisionName | undefined)[] = ["v0.8.4", "v21.0.1", "amsterdam-2026-08", undefined];

  it("give SSZ_DECODE errors in every revision, never a crash", () => {
    for (const rev of revs) {
      expectDecodeError(() => decodeStatelessInput(good.subarray(0, good.length - 9), rev));
      expectDecodeError(() => decodeStatelessInput(Uint8Array.of(0x15, 0x01), rev));
      expectDecodeError(() => decodeStatelessInput(Uint8Array.of(0x15, 0x01, 0xff, 0xff, 0xff, 0xff), rev));
      const trailing = new Uint8Array(good.length + 1);
      trailing.set(good);
      expectDecodeError(() => decodeStatelessInput(trailing.subarray(0, 30), rev));
    }
  });

  it("43-byte results: wrong length or a bad boolean is SSZ_DECODE", () => {
    expectDecodeError(() => decodeResult43(new Uint8Array(42)));
    expectDecodeError(() => decodeResult43(new Uint8Array(44)));
    const bad = new Uint8Array(43);
    bad[32] = 2;
    expectDecodeError(() => decodeResult43(bad));
  });

  it("refuses public keys in a v21.0.1 input", () => {
    const { value } = decodeStatelessInput(good, "v0.8.4");
    expect(() => encodeStatelessInput(value, SCHEMA_AMSTERDAM_R1, "v21.0.1")).toThrow(EproofError);
    const v21 = encodeStatelessInput({ ...value, publicKeys: [] }, SCHEMA_AMSTERDAM_R1, "v21.0.1");
    expect(decodeStatelessInput(v21).revision).toBe("v21.0.1");
  });
});

describe("eth-act/ere-guests progressive roots and output layout", () => {
  const vectors = JSON.parse(readFileSync(join(INTEROP, "ere-guests-progressive-roots.json"), "utf8")) as {
    vectors: { type: string; root: string }[];
    stateless_validation_result_layout: {
      example: {
        new_payload_request_root: string;
        successful_validation: boolean;
        chain_id: string;
        schema_id: string;
      };
      ssz_len: number;
    };
  };
  const rootOf = (prefix: string): string => {
    const v = vectors.vectors.find((x) => x.type.startsWith(prefix));
    if (!v) throw new Error(`no vector ${prefix}`);
    return v.root;
  };

  it("ExecutionWitness.state: ProgressiveList[ByteList[1024]] of [0xaaaaaa]", () => {
    const root = ExecutionWitnessProgressive.fields.state.hashTreeRoot([Uint8Array.of(0xaa, 0xaa, 0xaa)]);
    expect(toHex(root)).toBe(rootOf("ProgressiveList[ByteList[1024]]"));
  });

  it("ExecutionWitness.codes: ProgressiveList[ByteList[65536]] of [0xbb × 5]", () => {
    const root = ExecutionWitnessProgressive.fields.codes.hashTreeRoot([new Uint8Array(5).fill(0xbb)]);
    expect(toHex(root)).toBe(rootOf("ProgressiveList[ByteList[65536]]"));
  });

  it("public_keys: ProgressiveList[ByteVector[65]] of [0xcc × 65], serialised like a bounded list", () => {
    const keys = [new Uint8Array(65).fill(0xcc)];
    expect(toHex(PublicKeysProgressive.hashTreeRoot(keys))).toBe(rootOf("ProgressiveList[ByteVector[65]]"));
    expect(toHex(PublicKeysProgressive.serialize(keys))).toBe(toHex(keys[0] as Uint8Array));
  });

  it("43-byte layout: root | bool | chain_id u64 LE | schema_id u16 LE", () => {
    const ex = vectors.stateless_validation_result_layout.example;
    expect(ex.new_payload_request_root).toBe("0xaa*32");
    const value = {
      newPayloadRequestRoot: new Uint8Array(32).fill(0xaa),
      successfulValidation: ex.successful_validation,
      chainId: BigInt(ex.chain_id),
      schemaId: Number(ex.schema_id),
    };
    const bytes = encodeResult43(value);
    expect(bytes.length).toBe(vectors.stateless_validation_result_layout.ssz_len);
    expect(toHex(bytes.subarray(0, 32))).toBe(toHex(new Uint8Array(32).fill(0xaa)));
    expect(bytes[32]).toBe(1);
    expect(toHex(bytes.subarray(33, 41))).toBe("0x0807060504030201");
    expect(toHex(bytes.subarray(41))).toBe("0x0115");
    expect(decodeResult43(bytes)).toEqual(value);
    // A chain id beyond 2^53 is kept exactly by decodeResult43 and refused by the number-typed decoder.
    expectDecodeError(() => decodeValidationResult(bytes));
  });

  it("all-zero sentinel for a malformed input", () => {
    const zero = malformedInputResult43();
    expect(toHex(zero)).toBe(toHex(new Uint8Array(43)));
    expect(isMalformedInputResult43(zero)).toBe(true);
    expect(decodeResult43(zero)).toEqual({
      newPayloadRequestRoot: new Uint8Array(32),
      successfulValidation: false,
      chainId: 0n,
      schemaId: 0,
    });
    const notZero = new Uint8Array(43);
    notZero[42] = 0x15;
    expect(isMalformedInputResult43(notZero)).toBe(false);
    expect(isMalformedInputResult43(new Uint8Array(41))).toBe(false);
  });
});

describe("named types (eproof ssz)", () => {
  it.each(["v0.8.4", "v21.0.1"] as const)("%s input and output decode and re-encode exactly", (revision) => {
    const block = fixtureBlock(revision);
    const input = fromHex(block.statelessInputBytes);
    const d = decodeNamed("StatelessInput", input, undefined, getProfile());
    expect(toHex(d.root)).toBe(EXPECTED_ROOT);
    expect((d.json as { revision: string }).revision).toBe(revision);
    expect(toHex(d.reencoded)).toBe(toHex(input));
    const output = fromHex(block.statelessOutputBytes);
    const r = decodeNamed("StatelessValidationResult", output, undefined, getProfile());
    expect(r.json).toMatchObject({ chain_id: 1, schema_id: "0x1501", malformed_input: false });
    expect(toHex(r.reencoded)).toBe(toHex(output));
    const zero = decodeNamed("StatelessValidationResult", new Uint8Array(43), undefined, getProfile());
    expect(zero.json).toMatchObject({ malformed_input: true, schema_id: "0x0000" });
    expect(toHex(zero.reencoded)).toBe(toHex(new Uint8Array(43)));
  });
});
