// EIP-8025 consensus-layer containers (consensus-specs `_features/eip8025`, 2026-08 by default),
// built per spec profile so revisions that disagree are one switch.
import {
  BooleanType,
  ByteListType,
  ContainerType,
  ListBasicType,
  ListCompositeType,
  ProgressiveByteListType,
  type ValueOf,
} from "@chainsafe/ssz";
import { ssz } from "@lodestar/types";
import { getProfile, MAX_EXECUTION_PROOFS_PER_PAYLOAD, type SpecProfile } from "./profile.ts";

/** MAX_REQUEST_BLOCKS_DENEB from the consensus specs (bounds req/resp lists). */
export const MAX_REQUEST_BLOCKS_DENEB = 128;

export const ProofType = ssz.Uint8;
export const ProofTypes = new ListBasicType(ProofType, MAX_EXECUTION_PROOFS_PER_PAYLOAD);

/** Minimal chain config carried in the EIP text's PublicInput and in StatelessValidationResult. */
export const PublicChainConfig = new ContainerType({ chainId: ssz.UintBn64 }, { typeName: "ChainConfig" });

export const ProofByRootIdentifier = new ContainerType(
  { blockRoot: ssz.Root, proofTypes: ProofTypes },
  { typeName: "ProofByRootIdentifier", jsonCase: "eth2" },
);

export const ExecutionProofsByRootRequest = new ListCompositeType(
  ProofByRootIdentifier,
  MAX_REQUEST_BLOCKS_DENEB,
  {
    typeName: "ExecutionProofsByRootRequest",
  },
);

export const ExecutionProofsByRangeRequest = new ContainerType(
  { startSlot: ssz.Slot, count: ssz.UintNum64, proofTypes: ProofTypes },
  { typeName: "ExecutionProofsByRangeRequest", jsonCase: "eth2" },
);

export const ExecutionProofStatus = new ContainerType(
  { blockRoot: ssz.Root, slot: ssz.Slot, proofTypes: ProofTypes },
  { typeName: "ExecutionProofStatus", jsonCase: "eth2" },
);

const PublicInputRoot = new ContainerType(
  { newPayloadRequestRoot: ssz.Root },
  { typeName: "PublicInput", jsonCase: "eth2" },
);

const PublicInputFull = new ContainerType(
  {
    newPayloadRequestRoot: ssz.Root,
    successfulValidation: new BooleanType(),
    chainConfig: PublicChainConfig,
  },
  { typeName: "PublicInput", jsonCase: "eth2" },
);

/** Both shapes share `newPayloadRequestRoot`; the EIP text's shape adds the flag and chain id. */
export type PublicInput = ValueOf<typeof PublicInputRoot> &
  Partial<Omit<ValueOf<typeof PublicInputFull>, "newPayloadRequestRoot">>;

export interface ExecutionProof {
  proofData: Uint8Array;
  proofType: number;
  publicInput: PublicInput;
}

export interface SignedExecutionProof {
  message: ExecutionProof;
  validatorIndex: number;
  signature: Uint8Array;
}

export type ProofByRootIdentifierValue = ValueOf<typeof ProofByRootIdentifier>;
export type ExecutionProofStatusValue = ValueOf<typeof ExecutionProofStatus>;
export type ExecutionProofsByRangeRequestValue = ValueOf<typeof ExecutionProofsByRangeRequest>;

/** The SSZ types of one spec profile. */
export interface ProofContainers {
  readonly profile: SpecProfile;
  readonly PublicInput:
    | ContainerType<typeof PublicInputRoot.fields>
    | ContainerType<typeof PublicInputFull.fields>;
  readonly ExecutionProof: SszCodec<ExecutionProof>;
  readonly SignedExecutionProof: SszCodec<SignedExecutionProof>;
  /** Upper bound of a serialized SignedExecutionProof: bounds decompression before it starts. */
  readonly maxSignedProofBytes: number;
}

/** The part of an @chainsafe/ssz type that eproof relies on, typed for our value shapes. */
export interface SszCodec<T> {
  serialize(value: T): Uint8Array;
  deserialize(bytes: Uint8Array): T;
  hashTreeRoot(value: T): Uint8Array;
  toJson(value: T): unknown;
  fromJson(json: unknown): T;
  defaultValue(): T;
}

const cache = new Map<string, ProofContainers>();

export function proofContainers(profile: SpecProfile = getProfile()): ProofContainers {
  const cached = cache.get(profile.name);
  if (cached) return cached;
  const ProofData = profile.progressiveProofData
    ? new ProgressiveByteListType({ typeName: "ProofData" })
    : new ByteListType(profile.maxProofSize, { typeName: "ProofData" });
  const PublicInput = profile.publicInput === "root" ? PublicInputRoot : PublicInputFull;
  const ExecutionProof = new ContainerType(
    { proofData: ProofData, proofType: ProofType, publicInput: PublicInput },
    { typeName: "ExecutionProof", jsonCase: "eth2" },
  );
  const SignedExecutionProof = new ContainerType(
    { message: ExecutionProof, validatorIndex: ssz.ValidatorIndex, signature: ssz.BLSSignature },
    { typeName: "SignedExecutionProof", jsonCase: "eth2" },
  );
  // Fixed part (offset + type + public input) + validator index + signature + the largest proof.
  const fixed = 4 + 1 + PublicInput.maxSize + 8 + 96 + 4;
  const built: ProofContainers = {
    profile,
    PublicInput,
    ExecutionProof: ExecutionProof as unknown as SszCodec<ExecutionProof>,
    SignedExecutionProof: SignedExecutionProof as unknown as SszCodec<SignedExecutionProof>,
    maxSignedProofBytes: fixed + profile.maxProofSize,
  };
  cache.set(profile.name, built);
  return built;
}
