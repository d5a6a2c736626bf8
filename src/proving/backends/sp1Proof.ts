// SP1 Hypercube compressed proofs as ere ships them, and ere's 32-byte SP1 program vk: what eproof reads
// to bind a proof's public values itself (the wasm STARK verifier does not). Pure: no I/O.
//
// Layout pinned to succinctlabs/sp1 tag v6.1.0 (ere 8961a4e7's fixture; ere builds against v6.4.0, whose
// structs and recursion vk root are the same), bincode legacy encoding (little-endian, fixed-width ints,
// u64 lengths, no prefix on arrays), KoalaBear elements as their canonical u32:
//  - crates/verifier/src/proof.rs        ProofFromNetwork { proof: SP1Proof, public_values: SP1PublicValues,
//                                        sp1_version: String }; SP1Proof { Core, Compressed(Box<…>), Plonk,
//                                        Groth16 } (u32 variant index)
//  - crates/hypercube/src/verifier/proof.rs   SP1RecursionProof { vk: MachineVerifyingKey, proof: ShardProof,
//                                        vk_merkle_proof }; ShardProof { public_values: Vec<F>, … };
//                                        PROOF_MAX_NUM_PVS = 187
//  - crates/hypercube/src/verifier/config.rs  MachineVerifyingKey { pc_start [F;3],
//                                        initial_global_cumulative_sum SepticDigest (2×7 F),
//                                        preprocessed_commit [F;8], enable_untrusted_programs F } = 26 F
//  - crates/recursion/executor/src/public_values.rs  RecursionPublicValues field order (indices below)
//  - crates/primitives/src/types.rs      Buffer { data: Vec<u8>, #[serde(skip)] ptr } (SP1PublicValues)
//  - crates/sdk/src/prover.rs verify_proof: exit_code must be 0; committed_value_digest = sha256(public
//                                        values) (SP1 also allows blake3; eproof's guests use sha256)
// ere's vk form: eth-act/ere 8961a4e7 crates/verifier/sp1/src/program_vk.rs (HashableKey::bytes32: the 8
// elements as base-2^31 digits of a big-endian 256-bit integer, first element most significant).
import { createHash } from "node:crypto";
import { EproofError } from "../../util/errors.ts";
import { bytesEqual, fromHex, toHex } from "../../util/hex.ts";

/** KoalaBear: 2^31 - 2^24 + 1. */
export const KOALABEAR_P = 0x7f000001;
export const SP1_PROGRAM_VK_BYTES = 32;
export const SP1_DIGEST_WORDS = 8;
export const SP1_RECURSION_PUBLIC_VALUES = 187;
/**
 * The SP1 releases whose recursion vks the npm verifier (0.2.0) embeds: crates/verifier/vk-artifacts/
 * verifier_vks.bin is the same blob (789d9949) in every tag from v6.1.0 to v6.4.0 and differs in v6.0.x.
 * A proof labelled with another release was made against other recursion vks; an SP1 upgrade past these
 * needs a new verifier package (and this list).
 */
export const SP1_VERIFIER_RELEASES: readonly string[] = [
  "v6.1.0",
  "v6.2.0",
  "v6.2.1",
  "v6.2.2",
  "v6.2.3",
  "v6.2.4",
  "v6.3.0",
  "v6.3.1",
  "v6.4.0",
];
/** SP1Proof::Compressed's bincode variant index. */
export const SP1_MODE_COMPRESSED = 1;
const SP1_MODES = ["core", "compressed", "plonk", "groth16"] as const;

/** Offsets in RecursionPublicValues (v6.1.0 field order), in field elements. */
export const SP1_PV = {
  committedValueDigest: 32,
  sp1VkDigest: 136,
  vkRoot: 144,
  isComplete: 168,
  exitCode: 170,
  digest: 175,
} as const;

const TAG_BYTES = 4;
const MACHINE_VK_ELEMENTS = 26;
/** Byte offset of ShardProof.public_values' u64 length. */
const SHARD_PV_LEN_OFFSET = TAG_BYTES + MACHINE_VK_ELEMENTS * 4;
const SHARD_PV_OFFSET = SHARD_PV_LEN_OFFSET + 8;
const SHARD_PV_END = SHARD_PV_OFFSET + SP1_RECURSION_PUBLIC_VALUES * 4;
/** Longest sp1_version string and guest output eproof looks for at the end of a proof. */
const MAX_VERSION_BYTES = 64;
export const SP1_MAX_PUBLIC_VALUES_BYTES = 64 * 1024;

/** What eproof reads from an ere SP1 proof (everything else is the wasm verifier's business). */
export interface Sp1ProofView {
  /** The recursion proof's public values (canonical KoalaBear elements). */
  recursionPublicValues: Uint32Array;
  /** sha256 (or blake3) of the guest's output, as the proof commits to it. */
  committedValueDigest: Uint8Array;
  /** The program vk the proof is for (canonical words). */
  sp1VkDigest: Uint32Array;
  exitCode: number;
  isComplete: number;
  /** ProofFromNetwork.public_values: the guest's output, bound to the proof by committedValueDigest. */
  publicValues: Uint8Array;
  sp1Version: string;
}

function refuse(message: string): EproofError {
  return new EproofError("BAD_INPUT", `not an SP1 compressed proof: ${message}`);
}

function u64At(view: DataView, offset: number): number {
  const lo = view.getUint32(offset, true);
  const hi = view.getUint32(offset + 4, true);
  // Lengths above 2^32 can never fit a 4 MiB proof: report them as too large.
  return hi === 0 ? lo : Number.MAX_SAFE_INTEGER;
}

/**
 * Reads an ere SP1 proof (bincode ProofFromNetwork). The fixed-size head gives the recursion public values;
 * the guest output and sp1_version are the proof's tail, found from its end: of the candidate splits only
 * one whose output hashes to the committed digest is taken, so no choice here can bind other bytes.
 */
export function readSp1Proof(proof: Uint8Array): Sp1ProofView {
  if (proof.length < SHARD_PV_END + 16) {
    throw refuse(`${proof.length} bytes is shorter than its fixed head (${SHARD_PV_END + 16} bytes)`);
  }
  const view = new DataView(proof.buffer, proof.byteOffset, proof.byteLength);
  const mode = view.getUint32(0, true);
  if (mode !== SP1_MODE_COMPRESSED) {
    throw refuse(`proof mode ${SP1_MODES[mode] ?? `#${mode}`}, only compressed proofs verify here`);
  }
  const pvCount = u64At(view, SHARD_PV_LEN_OFFSET);
  if (pvCount !== SP1_RECURSION_PUBLIC_VALUES) {
    throw refuse(`recursion proof has ${pvCount} public values, expected ${SP1_RECURSION_PUBLIC_VALUES}`);
  }
  const pv = new Uint32Array(SP1_RECURSION_PUBLIC_VALUES);
  for (let i = 0; i < pv.length; i++) {
    const v = view.getUint32(SHARD_PV_OFFSET + 4 * i, true);
    if (v >= KOALABEAR_P) throw refuse(`recursion public value ${i} (${v}) is not a canonical field element`);
    pv[i] = v;
  }
  const committedValueDigest = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    const v = pv[SP1_PV.committedValueDigest + i] ?? 0;
    if (v > 0xff) throw refuse(`committed value digest word ${i} (${v}) is not a byte`);
    committedValueDigest[i] = v;
  }
  const tail = readTail(proof, view, committedValueDigest);
  return {
    recursionPublicValues: pv,
    committedValueDigest,
    sp1VkDigest: pv.slice(SP1_PV.sp1VkDigest, SP1_PV.sp1VkDigest + SP1_DIGEST_WORDS),
    exitCode: pv[SP1_PV.exitCode] ?? 0,
    isComplete: pv[SP1_PV.isComplete] ?? 0,
    publicValues: tail.publicValues,
    sp1Version: tail.sp1Version,
  };
}

function isPrintableAscii(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b < 0x20 || b > 0x7e) return false;
  return true;
}

function readTail(
  proof: Uint8Array,
  view: DataView,
  committed: Uint8Array,
): { publicValues: Uint8Array; sp1Version: string } {
  const n = proof.length;
  let sawLayout = false;
  for (let versionLen = 1; versionLen <= MAX_VERSION_BYTES; versionLen++) {
    const versionAt = n - versionLen;
    const versionLenAt = versionAt - 8;
    if (versionLenAt < SHARD_PV_END + 8) break;
    if (u64At(view, versionLenAt) !== versionLen) continue;
    const versionBytes = proof.subarray(versionAt, n);
    if (!isPrintableAscii(versionBytes)) continue;
    const pvEnd = versionLenAt;
    for (let pvLen = 0; pvLen <= SP1_MAX_PUBLIC_VALUES_BYTES; pvLen++) {
      const lenAt = pvEnd - pvLen - 8;
      if (lenAt < SHARD_PV_END) break;
      if (u64At(view, lenAt) !== pvLen) continue;
      sawLayout = true;
      const publicValues = proof.subarray(pvEnd - pvLen, pvEnd);
      if (bytesEqual(sha256(publicValues), committed)) {
        return {
          publicValues: Uint8Array.from(publicValues),
          sp1Version: new TextDecoder().decode(versionBytes),
        };
      }
    }
  }
  if (!sawLayout) throw refuse("no public values and sp1_version at its end (not ere's ProofFromNetwork)");
  throw new EproofError(
    "BAD_INPUT",
    `the proof's public values do not hash (sha256) to its committed digest ${toHex(committed)}`,
  );
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

/** ere's 32-byte program vk → the 8 canonical KoalaBear words it packs (ere's SP1ProgramVk::decode). */
export function decodeSp1ProgramVk(vk: Uint8Array): Uint32Array {
  if (vk.length !== SP1_PROGRAM_VK_BYTES) {
    throw new EproofError(
      "BAD_INPUT",
      `an SP1 program vk is ${SP1_PROGRAM_VK_BYTES} bytes (ere's packed form), got ${vk.length}`,
    );
  }
  let n = BigInt(toHex(vk));
  const words = new Uint32Array(SP1_DIGEST_WORDS);
  for (let i = SP1_DIGEST_WORDS - 1; i >= 0; i--) {
    words[i] = Number(n & 0x7fffffffn);
    n >>= 31n;
  }
  if (n !== 0n || words.some((w) => w >= KOALABEAR_P)) {
    throw new EproofError("BAD_INPUT", `SP1 program vk ${toHex(vk)} is not 8 canonical KoalaBear elements`);
  }
  return words;
}

/** The inverse of decodeSp1ProgramVk (ere's SP1ProgramVk::encode). */
export function encodeSp1ProgramVk(words: Uint32Array): Uint8Array {
  if (words.length !== SP1_DIGEST_WORDS) throw new EproofError("BAD_INPUT", "an SP1 vk digest is 8 words");
  let n = 0n;
  for (const w of words) n = (n << 31n) | BigInt(w);
  return fromHex(`0x${n.toString(16).padStart(64, "0")}`);
}

/** The vk bytes the wasm verifier takes: bincode [KoalaBear; 8] = 8 canonical u32, little-endian. */
export function sp1VkWordsBytes(words: Uint32Array): Uint8Array {
  const out = new Uint8Array(SP1_DIGEST_WORDS * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < SP1_DIGEST_WORDS; i++) view.setUint32(4 * i, words[i] ?? 0, true);
  return out;
}

/**
 * The checks eproof adds to the STARK check: the proof is of an SP1 release this verifier knows, for this
 * program, ran to completion with exit code 0, and its output is what this payload needs. Returns why
 * not, or undefined.
 */
export function sp1BindingMismatch(
  proof: Sp1ProofView,
  vkWords: Uint32Array,
  outputMismatch: (publicValues: Uint8Array) => string | undefined,
): string | undefined {
  if (!SP1_VERIFIER_RELEASES.includes(proof.sp1Version)) {
    return `the proof is labelled SP1 ${JSON.stringify(proof.sp1Version)}; this verifier checks ${SP1_VERIFIER_RELEASES[0]} to ${SP1_VERIFIER_RELEASES.at(-1)}`;
  }
  for (let i = 0; i < SP1_DIGEST_WORDS; i++) {
    if (proof.sp1VkDigest[i] !== vkWords[i]) {
      return `the proof is for program vk ${toHex(encodeSp1ProgramVk(proof.sp1VkDigest))}, not ${toHex(encodeSp1ProgramVk(vkWords))}`;
    }
  }
  if (proof.isComplete !== 1) return "the proof does not cover the whole execution (is_complete is not 1)";
  if (proof.exitCode !== 0) return `the guest exited with code ${proof.exitCode}`;
  return outputMismatch(proof.publicValues);
}
