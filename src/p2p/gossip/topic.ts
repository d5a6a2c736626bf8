// The execution_proof gossip topic name for a fork digest.
import { toHex } from "../../util/hex.ts";

export const EXECUTION_PROOF_TOPIC_NAME = "execution_proof";

export function executionProofTopic(forkDigest: Uint8Array): string {
  return `/eth2/${toHex(forkDigest).slice(2)}/${EXECUTION_PROOF_TOPIC_NAME}/ssz_snappy`;
}
