// Fuzz throughput of the SSZ decoders (issue 18): hostile inputs per second through `decodeNamed` (the
// canonical round-trip decode) over every named type, fork and profile — end to end with fast-check
// generating the inputs, and the decode alone over inputs generated beforehand.
import { ByteListType, ProgressiveByteListType, type Type } from "@chainsafe/ssz";
import fc from "fast-check";
import {
  ExecutionProofStatus,
  ExecutionProofsByRangeRequest,
  ExecutionProofsByRootRequest,
  envelopeTypes,
  ProofByRootIdentifier,
  proofContainers,
} from "../src/spec/containers.ts";
import { NPR_FORKS, nprType } from "../src/spec/newPayloadRequest.ts";
import { getProfile, PROFILES, type SpecProfile } from "../src/spec/profile.ts";
import { decodeNamed } from "../src/spec/registry.ts";
import { isEproofError } from "../src/util/errors.ts";
import { arbitraryOf, hostileBytes } from "../test/fuzz/support/arbitraries.ts";
import type { BenchFigure } from "./figure.ts";

interface Target {
  name: string;
  fork?: string;
  profile: SpecProfile;
  type: Type<unknown>;
}

function targets(): Target[] {
  const def = getProfile();
  const out: Target[] = NPR_FORKS.map((fork) => ({
    name: "NewPayloadRequest",
    fork,
    profile: def,
    type: nprType(fork) as unknown as Type<unknown>,
  }));
  for (const profile of Object.values(PROFILES)) {
    const c = proofContainers(profile);
    const proofData = profile.progressiveProofData
      ? new ProgressiveByteListType()
      : new ByteListType(profile.maxProofSize);
    const e = envelopeTypes(proofData);
    const envelope = profile.wire === "envelope";
    out.push(
      {
        name: "ExecutionProof",
        profile,
        type: (envelope ? e.ExecutionProofEnvelope : c.ExecutionProof) as unknown as Type<unknown>,
      },
      {
        name: "SignedExecutionProof",
        profile,
        type: (envelope
          ? e.SignedExecutionProofEnvelope
          : c.SignedExecutionProof) as unknown as Type<unknown>,
      },
    );
  }
  for (const [name, type] of [
    ["ProofByRootIdentifier", ProofByRootIdentifier],
    ["ExecutionProofStatus", ExecutionProofStatus],
    ["ExecutionProofsByRangeRequest", ExecutionProofsByRangeRequest],
    ["ExecutionProofsByRootRequest", ExecutionProofsByRootRequest],
  ] as const) {
    out.push({ name, profile: def, type: type as unknown as Type<unknown> });
  }
  return out;
}

function inputsOf(t: Target): fc.Arbitrary<Uint8Array> {
  const seeds = fc.sample(arbitraryOf(t.type), { numRuns: 12, seed: 8025 }).map((v) => t.type.serialize(v));
  return hostileBytes(seeds);
}

function decodeOne(t: Target, bytes: Uint8Array): boolean {
  try {
    decodeNamed(t.name, bytes, t.fork, t.profile);
    return true;
  } catch (e) {
    if (!isEproofError(e)) throw e;
    return false;
  }
}

const PER_TARGET = 2_000;

export async function run(): Promise<BenchFigure[]> {
  const all = targets();
  // End to end: generation + decode, as a fuzz run sees it.
  let n = 0;
  let accepted = 0;
  const t0 = performance.now();
  for (const t of all) {
    fc.assert(
      fc.property(inputsOf(t), (bytes) => {
        n++;
        if (decodeOne(t, bytes)) accepted++;
      }),
      { numRuns: PER_TARGET, seed: 1 },
    );
  }
  const endToEndS = (performance.now() - t0) / 1000;
  // Decode alone over the same kind of inputs, generated first.
  const pre = all.map((t) => ({ t, inputs: fc.sample(inputsOf(t), { numRuns: PER_TARGET, seed: 2 }) }));
  // Two passes, the faster counts (the first also warms the JIT on these exact inputs).
  let decodeS = Number.POSITIVE_INFINITY;
  let m = 0;
  for (let pass = 0; pass < 2; pass++) {
    m = 0;
    const t1 = performance.now();
    for (const { t, inputs } of pre) {
      for (const bytes of inputs) {
        decodeOne(t, bytes);
        m++;
      }
    }
    decodeS = Math.min(decodeS, (performance.now() - t1) / 1000);
  }
  return [
    { name: "fuzz.inputs_per_s", value: Math.round(n / endToEndS), unit: "inputs/s" },
    { name: "fuzz.decode_inputs_per_s", value: Math.round(m / decodeS), unit: "inputs/s" },
    { name: "fuzz.accepted_share", value: Number((accepted / n).toFixed(3)), unit: "ratio" },
    { name: "fuzz.ssz_targets", value: all.length, unit: "types" },
  ];
}
