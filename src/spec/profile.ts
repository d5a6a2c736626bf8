// Spec profiles: every EIP-8025 choice on which revisions disagree, behind one named switch.
// Default: consensus-specs `_features/eip8025` revision of 2026-08 (built on Gloas).
import { EproofError } from "../util/errors.ts";

export type PublicInputShape = "root" | "root_flag_chain";
export type StdinFraming = "u32le_length_prefix" | "raw";
export type PublicValuesForm = "ssz_result" | "sha256_root_flag";

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
}

export const MAX_EXECUTION_PROOFS_PER_PAYLOAD = 4;

const KiB = 1024;

export const PROFILES: Readonly<Record<string, SpecProfile>> = {
  "consensus-specs-2026-08": {
    name: "consensus-specs-2026-08",
    maxProofSize: 4 * KiB * KiB,
    progressiveProofData: true,
    domainExecutionProof: Uint8Array.of(0x0f, 0, 0, 0),
    publicInput: "root",
    statelessSchemaId: 0x1501,
    stdinFraming: "raw",
    publicValues: "ssz_result",
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
  },
};

export const DEFAULT_PROFILE_NAME = "consensus-specs-2026-08";

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
