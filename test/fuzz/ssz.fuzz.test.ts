// Property-based tests over every SSZ decoder eproof exposes (issue 18): NewPayloadRequest capella..gloas,
// ExecutionProof / SignedExecutionProof / PublicInput under every spec profile (envelope form included),
// the req/resp containers, StatelessInput 0x1400 / CL schemas / 0x1501 in each revision, the 43-byte
// result. Valid values must decode to the same bytes and root; hostile bytes must decode canonically
// (same bytes back, root = the root over the bytes' own tree) or fail with an EproofError.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ByteListType, ProgressiveByteListType, type Type } from "@chainsafe/ssz";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ExecutionProofStatus,
  ExecutionProofsByRangeRequest,
  ExecutionProofsByRootRequest,
  envelopeTypes,
  ProofByRootIdentifier,
  proofContainers,
} from "../../src/spec/containers.ts";
import { NPR_FORKS, nprType } from "../../src/spec/newPayloadRequest.ts";
import { getProfile, PROFILES, type SpecProfile } from "../../src/spec/profile.ts";
import { decodeNamed } from "../../src/spec/registry.ts";
import {
  decodeResult43,
  decodeStatelessInput,
  decodeValidationResult,
  encodeStatelessInput,
  NprAmsterdamR0,
  NprAmsterdamR1,
  SCHEMA_AMSTERDAM_R0,
  SCHEMA_AMSTERDAM_R1,
  type StatelessInputValue,
  type StatelessNpr,
  StatelessResult43,
  type StatelessRevisionName,
  schemaIdForFork,
  statelessNprRoot,
} from "../../src/spec/stateless.ts";
import "../../src/spec/statelessRegistry.ts";
import { fromHex, toHex } from "../../src/util/hex.ts";
import { readFixture } from "../support/fixtures.ts";
import {
  arbitraryOf,
  check,
  cleanOrThrow,
  expectSameBytes,
  hostileBytes,
  runs,
  timeoutFor,
} from "./support/fuzz.ts";

const VALID_RUNS = runs(100);
const HOSTILE_RUNS = runs(500);

/** A named type reached through `decodeNamed` (what `eproof ssz` and the tools use). */
interface NamedTarget {
  label: string;
  name: string;
  fork?: string;
  profile: SpecProfile;
  type: Type<unknown>;
  /** The tree root of these bytes, by a path independent of the value decoder. */
  treeRoot?: (bytes: Uint8Array) => Uint8Array;
}

function proofDataType(profile: SpecProfile) {
  return profile.progressiveProofData
    ? new ProgressiveByteListType({ typeName: "ProofData" })
    : new ByteListType(profile.maxProofSize, { typeName: "ProofData" });
}

/** The real SSZ type behind a profile's codec (the envelope codec wraps its type). */
function profileTypes(profile: SpecProfile): Record<string, Type<unknown>> {
  const c = proofContainers(profile);
  if (profile.wire === "envelope") {
    const e = envelopeTypes(proofDataType(profile));
    return {
      ExecutionProof: e.ExecutionProofEnvelope as unknown as Type<unknown>,
      SignedExecutionProof: e.SignedExecutionProofEnvelope as unknown as Type<unknown>,
      PublicInput: c.PublicInput as unknown as Type<unknown>,
    };
  }
  return {
    ExecutionProof: c.ExecutionProof as unknown as Type<unknown>,
    SignedExecutionProof: c.SignedExecutionProof as unknown as Type<unknown>,
    PublicInput: c.PublicInput as unknown as Type<unknown>,
  };
}

const defaultProfile = getProfile();
/** Root over the bytes' own tree (tree_deserializeFromBytes, not the value path). */
const treeRootOf = (t: Type<unknown>) => (b: Uint8Array) =>
  (t as unknown as { deserializeToView(b: Uint8Array): { hashTreeRoot(): Uint8Array } })
    .deserializeToView(b)
    .hashTreeRoot();

const targets: NamedTarget[] = [
  ...NPR_FORKS.map((fork) => ({
    label: `NewPayloadRequest ${fork}`,
    name: "NewPayloadRequest",
    fork,
    profile: defaultProfile,
    type: nprType(fork) as unknown as Type<unknown>,
  })),
  ...Object.values(PROFILES).flatMap((profile) =>
    Object.entries(profileTypes(profile)).map(([name, type]) => ({
      label: `${name} ${profile.name}`,
      name,
      profile,
      type,
      treeRoot: treeRootOf(type),
    })),
  ),
  ...(
    [
      ["ProofByRootIdentifier", ProofByRootIdentifier],
      ["ExecutionProofStatus", ExecutionProofStatus],
      ["ExecutionProofsByRangeRequest", ExecutionProofsByRangeRequest],
      ["ExecutionProofsByRootRequest", ExecutionProofsByRootRequest],
    ] as const
  ).map(([name, type]) => ({
    label: name,
    name,
    profile: defaultProfile,
    type: type as unknown as Type<unknown>,
    treeRoot: treeRootOf(type as unknown as Type<unknown>),
  })),
];

function seedsOf(type: Type<unknown>, extra: Uint8Array[] = []): Uint8Array[] {
  const values = fc.sample(arbitraryOf(type), { numRuns: 12, seed: 8025 });
  return [type.serialize(type.defaultValue()), ...values.map((v) => type.serialize(v)), ...extra];
}

const NPR_FIXTURE = readFixture("zkboost-devnet/new_payload_request.ssz");

describe("SSZ decoders: valid values round trip to the same bytes and root", () => {
  it.each(targets)("$label", { timeout: timeoutFor(VALID_RUNS * 3) }, (t) => {
    check(
      `ssz.valid ${t.label}`,
      arbitraryOf(t.type),
      (value) => {
        const bytes = t.type.serialize(value);
        const d = decodeNamed(t.name, bytes, t.fork, t.profile);
        expectSameBytes(d.reencoded, bytes, "re-encoding");
        expect(toHex(d.root)).toBe(toHex(t.type.hashTreeRoot(value)));
      },
      VALID_RUNS,
    );
  });
});

describe("SSZ decoders: hostile bytes decode canonically or fail with an EproofError", () => {
  it.each(targets)("$label", { timeout: timeoutFor(HOSTILE_RUNS) }, (t) => {
    const seeds = seedsOf(t.type, t.name === "NewPayloadRequest" ? [NPR_FIXTURE] : []);
    check(
      `ssz.hostile ${t.label}`,
      hostileBytes(seeds),
      (bytes) => {
        const d = cleanOrThrow(() => decodeNamed(t.name, bytes, t.fork, t.profile));
        if (d === undefined) return;
        expectSameBytes(d.reencoded, bytes, "accepted bytes re-encode");
        if (t.treeRoot) expect(toHex(d.root)).toBe(toHex(t.treeRoot(bytes)));
      },
      HOSTILE_RUNS,
    );
  });

  it("NewPayloadRequest without a fork (the fork found by decoding)", {
    timeout: timeoutFor(HOSTILE_RUNS),
  }, () => {
    const seeds = NPR_FORKS.flatMap((f) => seedsOf(nprType(f) as unknown as Type<unknown>).slice(0, 4));
    check(
      "ssz.hostile NewPayloadRequest any fork",
      hostileBytes([...seeds, NPR_FIXTURE]),
      (bytes) => {
        const d = cleanOrThrow(() => decodeNamed("NewPayloadRequest", bytes, undefined, defaultProfile));
        if (d === undefined) return;
        expectSameBytes(d.reencoded, bytes, "accepted bytes re-encode");
        expect(d.fork).toBeDefined();
        expect(toHex(d.root)).toBe(
          toHex(nprType(d.fork ?? "").hashTreeRoot(nprType(d.fork ?? "").deserialize(bytes) as never)),
        );
      },
      HOSTILE_RUNS,
    );
  });
});

// ---- StatelessInput and its result

const REVISIONS: readonly StatelessRevisionName[] = ["amsterdam-2026-08", "v0.8.4", "v21.0.1"];
const small = { maxItems: 3, maxBytes: 40 };
const witnessArb = fc.record({
  state: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }),
  codes: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }),
  headers: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }),
});
const keysArb = fc.array(fc.uint8Array({ minLength: 65, maxLength: 65 }), { maxLength: 2 });
const safeU64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

interface StatelessCase {
  label: string;
  schemaId: number;
  revision?: StatelessRevisionName;
  value: fc.Arbitrary<StatelessInputValue>;
}

function statelessValue(npr: fc.Arbitrary<StatelessNpr>, rev?: StatelessRevisionName) {
  const chainConfig =
    rev === "amsterdam-2026-08"
      ? fc.record(
          {
            chainId: safeU64,
            activation: fc.record({ blockNumber: safeU64, timestamp: safeU64 }, { requiredKeys: [] }),
          },
          { requiredKeys: ["chainId", "activation"] },
        )
      : fc.record({ chainId: safeU64 });
  return fc.record({
    newPayloadRequest: npr,
    witness: witnessArb,
    chainConfig,
    publicKeys: rev === "v21.0.1" ? fc.constant([]) : keysArb,
  }) as fc.Arbitrary<StatelessInputValue>;
}

const statelessCases: StatelessCase[] = [
  ...REVISIONS.map((revision) => ({
    label: `0x1501 ${revision}`,
    schemaId: SCHEMA_AMSTERDAM_R1,
    revision,
    value: statelessValue(
      arbitraryOf(NprAmsterdamR1 as unknown as Type<unknown>, small).map(
        (value) => ({ schema: "amsterdam-r1", value }) as StatelessNpr,
      ),
      revision,
    ),
  })),
  {
    label: "0x1400",
    schemaId: SCHEMA_AMSTERDAM_R0,
    value: statelessValue(
      arbitraryOf(NprAmsterdamR0 as unknown as Type<unknown>, small).map(
        (value) => ({ schema: "amsterdam-r0", value }) as StatelessNpr,
      ),
    ),
  },
  ...(["capella", "deneb", "fulu"] as const).map((fork) => ({
    label: `CL schema ${fork}`,
    schemaId: schemaIdForFork(fork),
    value: statelessValue(
      arbitraryOf(nprType(fork) as unknown as Type<unknown>, small).map(
        (value) => ({ schema: "cl", npr: { fork, value } }) as StatelessNpr,
      ),
    ),
  })),
];

function interopInputs(): Uint8Array[] {
  const dir = new URL("../../../shared/fixtures/interop/", import.meta.url).pathname;
  const out: Uint8Array[] = [];
  for (const sub of ["tests-zkevm-v0.8.4", "tests-zkevm-v21.0.1"]) {
    for (const f of readdirSync(join(dir, sub))) {
      if (!f.endsWith(".json")) continue;
      const j = JSON.parse(readFileSync(join(dir, sub, f), "utf8")) as Record<
        string,
        { blocks?: { statelessInputBytes: string }[] }
      >;
      for (const t of Object.values(j))
        for (const b of t.blocks ?? []) out.push(fromHex(b.statelessInputBytes));
    }
  }
  return out;
}

describe("StatelessInput: every schema and 0x1501 revision", () => {
  it.each(statelessCases)("$label: valid inputs round trip", { timeout: timeoutFor(VALID_RUNS * 3) }, (c) => {
    check(
      `stateless.valid ${c.label}`,
      c.value,
      (value) => {
        const bytes = encodeStatelessInput(value, c.schemaId, c.revision);
        const d = decodeStatelessInput(bytes, c.revision);
        expect(d.schemaId).toBe(c.schemaId);
        expectSameBytes(encodeStatelessInput(d.value, d.schemaId, d.revision), bytes, "re-encoding");
        expect(toHex(statelessNprRoot(d.value.newPayloadRequest))).toBe(
          toHex(statelessNprRoot(value.newPayloadRequest)),
        );
        // The registry (`eproof ssz decode --type StatelessInput`) finds a revision that round trips.
        const named = decodeNamed("StatelessInput", bytes, undefined, defaultProfile);
        expectSameBytes(named.reencoded, bytes, "registry re-encoding");
      },
      VALID_RUNS,
    );
  });

  const seeds = [
    ...statelessCases.flatMap((c) =>
      fc.sample(c.value, { numRuns: 4, seed: 1 }).map((v) => encodeStatelessInput(v, c.schemaId, c.revision)),
    ),
    ...interopInputs(),
  ];
  it.each([undefined, ...REVISIONS])(
    "hostile bytes, revision %s",
    { timeout: timeoutFor(HOSTILE_RUNS) },
    (rev) => {
      check(
        `stateless.hostile ${rev ?? "any"}`,
        hostileBytes(seeds),
        (bytes) => {
          const d = cleanOrThrow(() => decodeStatelessInput(bytes, rev));
          if (d === undefined) return;
          expectSameBytes(
            encodeStatelessInput(d.value, d.schemaId, d.revision),
            bytes,
            "accepted bytes re-encode",
          );
        },
        HOSTILE_RUNS,
      );
    },
  );

  it("the 43-byte result and the other result forms", { timeout: timeoutFor(HOSTILE_RUNS * 2) }, () => {
    const t = StatelessResult43 as unknown as Type<unknown>;
    check(
      "stateless.result43 valid",
      arbitraryOf(t),
      (v) => {
        const bytes = t.serialize(v);
        expectSameBytes(StatelessResult43.serialize(decodeResult43(bytes)), bytes, "43-byte result");
      },
      VALID_RUNS,
    );
    const seeds = [...seedsOf(t), new Uint8Array(41), new Uint8Array(43)];
    check(
      "stateless.result hostile",
      hostileBytes(seeds, 64),
      (bytes) => {
        const r43 = cleanOrThrow(() => decodeResult43(bytes));
        if (r43) expectSameBytes(StatelessResult43.serialize(r43), bytes, "43-byte result");
        cleanOrThrow(() => decodeValidationResult(bytes));
        const named = cleanOrThrow(() =>
          decodeNamed("StatelessValidationResult", bytes, undefined, defaultProfile),
        );
        if (named) expectSameBytes(named.reencoded, bytes, "registry re-encoding");
      },
      HOSTILE_RUNS,
    );
  });
});
