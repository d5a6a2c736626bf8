// Spec profiles: every EIP-8025 choice on which revisions disagree, behind one named switch.
// Default: consensus-specs v1.7.0-beta.4 (master at aa16bb4c, with #5566, #5593, #5619, #5639 merged),
// as the eth-act Lighthouse fork, zkboost >= v0.10, ere-guests v0.17 and Prysm's branch speak it.
import { EproofError } from "../util/errors.ts";

/**
 * `root`: PublicInput{new_payload_request_root}; `root_flag_chain`: the EIP text's three fields;
 * `progressive`: the ProgressiveContainer {root, successful_validation, chain_id, schema_id} of v1.7.
 */
export type PublicInputShape = "root" | "root_flag_chain" | "progressive";
/** `proof`: SignedExecutionProof carries the PublicInput; `envelope`: SignedExecutionProofEnvelope names the block. */
export type WireForm = "proof" | "envelope";
/** Which NewPayloadRequest root a Gloas proof commits to: the consensus type's, or the guests' (EL) one. */
export type NprRootForm = "consensus" | "execution";
/** Revisions of the 0x1501 StatelessInput (see spec/stateless.ts). */
export type StatelessRevisionName = "amsterdam-2026-08" | "v0.8.4" | "v21.0.1";
export type StdinFraming = "u32le_length_prefix" | "raw";
/**
 * `ssz_result`: the 41-byte {root, flag, ChainConfig{chain_id}}; `ssz_result_43`: tests-zkevm v0.8.4 /
 * v21.0.1's {root, flag, chain_id u64, schema_id u16}; `sha256_root_flag`: sha256(root ‖ 0x01).
 */
export type PublicValuesForm = "ssz_result" | "ssz_result_43" | "sha256_root_flag";

export interface SpecProfile {
  readonly name: string;
  /** Upper bound on proof_data bytes; larger proofs are rejected. */
  readonly maxProofSize: number;
  /** ProofData as ProgressiveByteList (2026-08) or ByteList[MAX_PROOF_SIZE] (older). */
  readonly progressiveProofData: boolean;
  readonly domainExecutionProof: Uint8Array;
  /** `root`: PublicInput{new_payload_request_root}; `root_flag_chain`: the EIP text's three fields. */
  readonly publicInput: PublicInputShape;
  /** Schema id written before SSZ(StatelessInput) on the wire to a guest. */
  readonly statelessSchemaId: number;
  /** How ere-server wants `input_stdin`. */
  readonly stdinFraming: StdinFraming;
  /** What a guest writes into public_values. */
  readonly publicValues: PublicValuesForm;
  readonly wire: WireForm;
  /** Whether the EIP-8025 req/resp protocols exist (removed in v1.7 by #5566). */
  readonly reqResp: boolean;
  readonly nprRootForm: NprRootForm;
  readonly statelessRevision: StatelessRevisionName;
  /**
   * Proof types a peer may send (others are REJECTed at decode, as Lighthouse and zkboost do);
   * undefined: any u8. Local types (eproof's CPU type) are added only where peers announce them.
   */
  readonly wireProofTypes?: readonly number[];
}

export const MAX_EXECUTION_PROOFS_PER_PAYLOAD = 4;

const KiB = 1024;

export const PROFILES: Readonly<Record<string, SpecProfile>> = {
  "consensus-specs-v1.7.0-beta.4": {
    name: "consensus-specs-v1.7.0-beta.4",
    // MAX_PROOF_SIZE; ProofData = ByteList[MAX_PROOF_SIZE] (#5619).
    maxProofSize: 4 * KiB * KiB,
    progressiveProofData: false,
    domainExecutionProof: Uint8Array.of(0x0f, 0, 0, 0),
    publicInput: "progressive",
    statelessSchemaId: 0x1501,
    stdinFraming: "raw",
    // ere-guests v0.17 (tests-zkevm v0.8.4) write the 43-byte StatelessValidationResult.
    publicValues: "ssz_result_43",
    wire: "envelope",
    reqResp: false,
    // The spec text hashes its own 4-field NPR; the guests (and Lighthouse, Prysm) commit to the EL one.
    nprRootForm: "execution",
    statelessRevision: "v0.8.4",
    // ethrex-openvm 1 … zesu-zisk 7 (Lighthouse/zkboost decode tables; the spec lists {1, 2, 3}).
    wireProofTypes: [1, 2, 3, 4, 5, 6, 7],
  },
  "consensus-specs-2026-08": {
    name: "consensus-specs-2026-08",
    maxProofSize: 4 * KiB * KiB,
    progressiveProofData: true,
    domainExecutionProof: Uint8Array.of(0x0f, 0, 0, 0),
    publicInput: "root",
    statelessSchemaId: 0x1501,
    stdinFraming: "raw",
    publicValues: "ssz_result",
    wire: "proof",
    reqResp: true,
    nprRootForm: "consensus",
    statelessRevision: "amsterdam-2026-08",
  },
  "eip-8025-text": {
    name: "eip-8025-text",
    maxProofSize: 400 * KiB,
    progressiveProofData: false,
    domainExecutionProof: Uint8Array.of(0x0d, 0, 0, 0),
    publicInput: "root_flag_chain",
    statelessSchemaId: 0x1501,
    stdinFraming: "raw",
    publicValues: "ssz_result",
    wire: "proof",
    reqResp: true,
    nprRootForm: "consensus",
    statelessRevision: "amsterdam-2026-08",
  },
  "consensus-specs-fulu-2025": {
    name: "consensus-specs-fulu-2025",
    maxProofSize: 300 * KiB,
    progressiveProofData: false,
    domainExecutionProof: Uint8Array.of(0x0d, 0, 0, 0),
    publicInput: "root",
    statelessSchemaId: 0x1400,
    stdinFraming: "u32le_length_prefix",
    publicValues: "sha256_root_flag",
    wire: "proof",
    reqResp: true,
    nprRootForm: "consensus",
    statelessRevision: "amsterdam-2026-08",
  },
};

export const DEFAULT_PROFILE_NAME = "consensus-specs-v1.7.0-beta.4";

export function getProfile(name: string = DEFAULT_PROFILE_NAME): SpecProfile {
  const profile = PROFILES[name];
  if (!profile) {
    throw new EproofError(
      "BAD_CONFIG",
      `unknown spec profile "${name}" (known: ${Object.keys(PROFILES).join(", ")})`,
    );
  }
  return profile;
}
