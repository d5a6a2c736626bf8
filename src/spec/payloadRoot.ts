// The root a proof is about. The guests (ere-guests v0.17, zkboost ≥ v0.10) commit to the execution
// layer's NewPayloadRequest root, which for Gloas differs from the consensus layer's 4-field
// ProgressiveContainer; eth-act Lighthouse matches the guests and Prysm drifts from the spec on purpose
// to do the same. Profiles say which form they use (`nprRootForm`); before Gloas both forms are equal.

import { type ForkedNewPayloadRequest, nprRoot } from "./newPayloadRequest.ts";
import type { SpecProfile } from "./profile.ts";
import { executionNprRoot } from "./stateless.ts";

export function payloadRequestRoot(npr: ForkedNewPayloadRequest, profile: SpecProfile): Uint8Array {
  if (npr.fork === "gloas" && profile.nprRootForm === "execution") return executionNprRoot(npr);
  return nprRoot(npr);
}
