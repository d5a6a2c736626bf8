import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ssz } from "@lodestar/types";
import { describe, expect, it } from "vitest";
import { decodeNprAnyFork, nprRoot } from "../../src/spec/newPayloadRequest.ts";
import {
  type AmsterdamR1Npr,
  decodeStatelessInput,
  decodeValidationResult,
  encodeStatelessInput,
  encodeValidationResult,
  NprAmsterdamR0,
  SCHEMA_AMSTERDAM_R0,
  SCHEMA_AMSTERDAM_R1,
  SCHEMA_OSAKA_CL,
  type StatelessInputValue,
  schemaIdForFork,
  statelessNprRoot,
  witnessFromRpcJson,
} from "../../src/spec/stateless.ts";
import { EproofError } from "../../src/util/errors.ts";
import { bytesEqual, fromHex, toHex } from "../../src/util/hex.ts";

const FIX = new URL("../../../shared/fixtures/", import.meta.url).pathname;
const ZKEVM = join(FIX, "eest-zkevm");

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (p.endsWith(".json")) out.push(p);
  }
  return out.sort();
}

interface ZkBlock {
  statelessInputBytes: string;
  statelessOutputBytes: string;
  executionWitness: { state: string[]; codes: string[]; headers: string[] };
}

function zkevmBlocks(): { file: string; block: ZkBlock }[] {
  const out: { file: string; block: ZkBlock }[] = [];
  for (const file of jsonFiles(ZKEVM)) {
    for (const t of Object.values(
      JSON.parse(readFileSync(file, "utf8")) as Record<string, { blocks: ZkBlock[] }>,
    )) {
      for (const block of t.blocks) out.push({ file, block });
    }
  }
  return out;
}

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EproofError);
    expect((e as EproofError).code).toBe(code);
    return;
  }
  throw new Error("expected an EproofError");
}

describe("EEST zkevm StatelessInput (schema 0x1400)", () => {
  const blocks = zkevmBlocks();

  it("finds the fixtures", () => {
    expect(blocks.length).toBeGreaterThan(54);
  });

  it("decodes every input, re-encodes it byte for byte, and its NPR root and chain id match the output", () => {
    for (const { file, block } of blocks) {
      const input = fromHex(block.statelessInputBytes);
      const { schemaId, value } = decodeStatelessInput(input);
      expect(schemaId, file).toBe(SCHEMA_AMSTERDAM_R0);
      expect(bytesEqual(encodeStatelessInput(value, schemaId), input), file).toBe(true);
      const out = fromHex(block.statelessOutputBytes);
      expect(out.length).toBe(41);
      const result = decodeValidationResult(out);
      expect(toHex(statelessNprRoot(value.newPayloadRequest)), file).toBe(
        toHex(result.newPayloadRequestRoot),
      );
      expect(value.chainConfig.chainId).toBe(result.chainConfig.chainId);
      // The output re-encodes to the same 41 bytes.
      expect(toHex(encodeValidationResult(result, schemaId))).toBe(toHex(out));
    }
  });

  it("carries the same witness as the fixture's executionWitness JSON", () => {
    const { block } = blocks[0] ?? { block: undefined };
    if (!block) throw new Error("no block");
    const { value } = decodeStatelessInput(fromHex(block.statelessInputBytes));
    const json = witnessFromRpcJson(block.executionWitness);
    expect(value.witness.state.map(toHex)).toEqual(json.state.map(toHex));
    expect(value.witness.codes.map(toHex)).toEqual(json.codes.map(toHex));
    expect(value.witness.headers.map(toHex)).toEqual(json.headers.map(toHex));
  });

  it("is not lodestar's gloas NewPayloadRequest (progressive container, 5 request lists)", () => {
    const { block } = blocks[0] ?? { block: undefined };
    if (!block) throw new Error("no block");
    const { value } = decodeStatelessInput(fromHex(block.statelessInputBytes));
    if (value.newPayloadRequest.schema !== "amsterdam-r0") throw new Error("wrong schema");
    const bytes = NprAmsterdamR0.serialize(value.newPayloadRequest.value);
    // The fixture's empty List[ByteList] of requests leaves no room for gloas' five request-list offsets.
    expect(() => ssz.gloas.NewPayloadRequest.deserialize(bytes)).toThrow();
  });
});

describe("schema 0x1501 (execution-specs amsterdam revision 1)", () => {
  it("round-trips with the 2-byte prefix and a full ChainConfig", () => {
    const block = zkevmBlocks()[0]?.block;
    if (!block) throw new Error("no block");
    const r0 = decodeStatelessInput(fromHex(block.statelessInputBytes)).value;
    if (r0.newPayloadRequest.schema !== "amsterdam-r0") throw new Error("wrong schema");
    const p = r0.newPayloadRequest.value;
    const r1npr: AmsterdamR1Npr = {
      executionPayload: p.executionPayload,
      versionedHashes: p.versionedHashes,
      parentBeaconBlockRoot: p.parentBeaconBlockRoot,
      executionRequests: {
        deposits: [],
        withdrawals: [],
        consolidations: [],
        builderDeposits: [],
        builderExits: [],
      },
    };
    const value: StatelessInputValue = {
      newPayloadRequest: { schema: "amsterdam-r1", value: r1npr },
      witness: r0.witness,
      chainConfig: { chainId: 1, activation: { timestamp: 0 } },
      publicKeys: [new Uint8Array(65).fill(4)],
    };
    const bytes = encodeStatelessInput(value, SCHEMA_AMSTERDAM_R1);
    expect([bytes[0], bytes[1]]).toEqual([0x15, 0x01]);
    const back = decodeStatelessInput(bytes);
    expect(back.schemaId).toBe(SCHEMA_AMSTERDAM_R1);
    expect(back.value.chainConfig).toEqual({ chainId: 1, activation: { timestamp: 0 } });
    expect(back.value.publicKeys.map(toHex)).toEqual(value.publicKeys.map(toHex));
    expect(toHex(statelessNprRoot(back.value.newPayloadRequest))).toBe(
      toHex(statelessNprRoot(value.newPayloadRequest)),
    );
    // Progressive merkleization gives a different root than revision 0 for the same payload.
    expect(toHex(statelessNprRoot(value.newPayloadRequest))).not.toBe(
      toHex(statelessNprRoot(r0.newPayloadRequest)),
    );
    const result = {
      newPayloadRequestRoot: new Uint8Array(32).fill(7),
      successfulValidation: true,
      chainConfig: value.chainConfig,
    };
    expect(decodeValidationResult(encodeValidationResult(result, SCHEMA_AMSTERDAM_R1))).toEqual(result);
  });

  it("refuses an NPR of the wrong family for the schema", () => {
    const block = zkevmBlocks()[0]?.block;
    if (!block) throw new Error("no block");
    const r0 = decodeStatelessInput(fromHex(block.statelessInputBytes)).value;
    expectCode(() => encodeStatelessInput(r0, SCHEMA_AMSTERDAM_R1), "BAD_INPUT");
  });
});

describe("pre-Amsterdam inputs with the consensus fork's NPR", () => {
  it("wraps the zkboost devnet Fulu NPR under 0x12E0 and keeps its consensus root", () => {
    const npr = decodeNprAnyFork(readFileSync(join(FIX, "zkboost-devnet/new_payload_request.ssz")));
    const witness = witnessFromRpcJson(
      JSON.parse(readFileSync(join(FIX, "zkboost-devnet/execution_witness.json"), "utf8")),
    );
    expect(schemaIdForFork(npr.fork)).toBe(SCHEMA_OSAKA_CL);
    const bytes = encodeStatelessInput(
      {
        newPayloadRequest: { schema: "cl", npr },
        witness,
        chainConfig: { chainId: 3151908 },
        publicKeys: [],
      },
      SCHEMA_OSAKA_CL,
    );
    expect([bytes[0], bytes[1]]).toEqual([0x12, 0xe0]);
    const back = decodeStatelessInput(bytes);
    expect(toHex(statelessNprRoot(back.value.newPayloadRequest))).toBe(toHex(nprRoot(npr)));
    expect(back.value.witness.state.length).toBe(witness.state.length);
    expect(back.value.chainConfig.chainId).toBe(3151908);
  });
});

describe("bad input", () => {
  it("gives SSZ_DECODE errors, never a crash", () => {
    expectCode(() => decodeStatelessInput(new Uint8Array([0x15])), "SSZ_DECODE");
    expectCode(() => decodeStatelessInput(new Uint8Array([0xab, 0xcd, 1, 2, 3])), "SSZ_DECODE");
    expectCode(() => decodeStatelessInput(new Uint8Array([0x15, 0x01, 1, 2, 3])), "SSZ_DECODE");
    const good = fromHex(zkevmBlocks()[0]?.block.statelessInputBytes ?? "0x");
    expectCode(() => decodeStatelessInput(good.subarray(0, good.length - 7)), "SSZ_DECODE");
    expectCode(() => decodeValidationResult(new Uint8Array(40)), "SSZ_DECODE");
  });

  it("rejects malformed witness JSON with BAD_INPUT / BAD_HEX", () => {
    expectCode(() => witnessFromRpcJson(null), "BAD_INPUT");
    expectCode(() => witnessFromRpcJson({ state: "0x00", headers: [] }), "BAD_INPUT");
    expectCode(() => witnessFromRpcJson({ state: ["0xzz"], headers: [] }), "BAD_HEX");
    expect(witnessFromRpcJson({ state: ["0x80"], headers: ["0xc0"], keys: ["0x00"] }).codes).toEqual([]);
  });
});
