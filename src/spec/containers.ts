// EIP-8025 consensus-layer containers, built per spec profile so revisions that disagree are one switch.
// v1.7.0-beta.4 (consensus-specs aa16bb4c, #5566/#5619): gossip carries SignedExecutionProofEnvelope
// {message: {proof_data: ByteList[MAX_PROOF_SIZE], proof_type, beacon_block_root}, validator_index,
// signature}; PublicInput is no longer sent but rebuilt by the receiver. Older profiles carry
// SignedExecutionProof{message: {proof_data, proof_type, public_input}, ...}.
//
// Inside eproof both forms are one value, ExecutionProof: `publicInput` always holds the payload root
// the proof is about, `beaconBlockRoot` the block (on the wire only in the envelope form). Decoding an
// envelope leaves `publicInput` unresolved (see `isResolved`) until the block is mapped to its payload.
import {
  BooleanType,
  ByteListType,
  ContainerType,
  ListBasicType,
  ListCompositeType,
  ProgressiveByteListType,
  ProgressiveContainerType,
  type ValueOf,
} from "@chainsafe/ssz";
import { ssz } from "@lodestar/types";
import { EproofError } from "../util/errors.ts";
import { getProfile, MAX_EXECUTION_PROOFS_PER_PAYLOAD, type SpecProfile } from "./profile.ts";
import { SafeUintNum64Type } from "./uint64.ts";

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

// u64 fields (issue 18, defect 8): a peer may name any start slot or count, so the range request keeps
// them exact as bigint; a head slot and a validator index above 2^53 cannot exist and are refused at decode.
const ValidatorIndex = new SafeUintNum64Type("ValidatorIndex");
const HeadSlot = new SafeUintNum64Type("Slot");

export const ExecutionProofsByRangeRequest = new ContainerType(
  { startSlot: ssz.UintBn64, count: ssz.UintBn64, proofTypes: ProofTypes },
  { typeName: "ExecutionProofsByRangeRequest", jsonCase: "eth2" },
);

export const ExecutionProofStatus = new ContainerType(
  { blockRoot: ssz.Root, slot: HeadSlot, proofTypes: ProofTypes },
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

/** v1.7.0-beta.4 PublicInput: rebuilt by every receiver, never sent (what the guests commit to). */
const PublicInputProgressive = new ProgressiveContainerType(
  {
    newPayloadRequestRoot: ssz.Root,
    successfulValidation: new BooleanType(),
    chainId: ssz.UintBn64,
    schemaId: ssz.Uint16,
  },
  [true, true, true, true],
  { typeName: "PublicInput", jsonCase: "eth2" },
);

/** All shapes share `newPayloadRequestRoot`; the others add the flag, the chain id and the schema id. */
export type PublicInput = ValueOf<typeof PublicInputRoot> &
  Partial<Omit<ValueOf<typeof PublicInputFull>, "newPayloadRequestRoot">> &
  Partial<Omit<ValueOf<typeof PublicInputProgressive>, "newPayloadRequestRoot" | "successfulValidation">>;

export interface ExecutionProof {
  proofData: Uint8Array;
  proofType: number;
  publicInput: PublicInput;
  /** The beacon block the proof is for: on the wire in the envelope form, optional in the older ones. */
  beaconBlockRoot?: Uint8Array;
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
  readonly PublicInput: SszCodec<PublicInput>;
  /** The profile's gossiped message: ExecutionProof, or ExecutionProofEnvelope in the envelope form. */
  readonly ExecutionProof: SszCodec<ExecutionProof>;
  readonly SignedExecutionProof: SszCodec<SignedExecutionProof>;
  /** Upper bound of a serialized SignedExecutionProof: bounds decompression before it starts. */
  readonly maxSignedProofBytes: number;
  /** Envelope profiles: the beacon-API body, List[SignedExecutionProofEnvelope, 4]. */
  readonly SignedExecutionProofList?: SszCodec<SignedExecutionProof[]>;
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
const ZERO_ROOT = new Uint8Array(32);

export function proofContainers(profile: SpecProfile = getProfile()): ProofContainers {
  // Keyed by the whole table row: tests build variants (e.g. progressive proof data) under one name.
  const cacheKey = JSON.stringify(profile, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v));
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const ProofData = profile.progressiveProofData
    ? new ProgressiveByteListType({ typeName: "ProofData" })
    : new ByteListType(profile.maxProofSize, { typeName: "ProofData" });
  const built =
    profile.wire === "envelope" ? envelopeContainers(profile, ProofData) : proofForm(profile, ProofData);
  cache.set(cacheKey, built);
  return built;
}

function publicInputType(profile: SpecProfile) {
  if (profile.publicInput === "root") return PublicInputRoot;
  if (profile.publicInput === "root_flag_chain") return PublicInputFull;
  return PublicInputProgressive;
}

type ProofDataType = ByteListType | ProgressiveByteListType;

function proofForm(profile: SpecProfile, ProofData: ProofDataType): ProofContainers {
  const PublicInput = publicInputType(profile);
  const ExecutionProof = new ContainerType(
    { proofData: ProofData, proofType: ProofType, publicInput: PublicInput },
    { typeName: "ExecutionProof", jsonCase: "eth2" },
  );
  const SignedExecutionProof = new ContainerType(
    { message: ExecutionProof, validatorIndex: ValidatorIndex, signature: ssz.BLSSignature },
    { typeName: "SignedExecutionProof", jsonCase: "eth2" },
  );
  // Fixed part (offset + type + public input) + validator index + signature + the largest proof.
  const fixed = 4 + 1 + PublicInput.maxSize + 8 + 96 + 4;
  return {
    profile,
    PublicInput: PublicInput as unknown as SszCodec<PublicInput>,
    ExecutionProof: ExecutionProof as unknown as SszCodec<ExecutionProof>,
    SignedExecutionProof: SignedExecutionProof as unknown as SszCodec<SignedExecutionProof>,
    maxSignedProofBytes: fixed + profile.maxProofSize,
  };
}

/** The v1.7 SSZ types, exported for vectors and the beacon API. */
export function envelopeTypes(ProofData: ProofDataType) {
  const ExecutionProofEnvelope = new ContainerType(
    { proofData: ProofData, proofType: ProofType, beaconBlockRoot: ssz.Root },
    { typeName: "ExecutionProofEnvelope", jsonCase: "eth2" },
  );
  const SignedExecutionProofEnvelope = new ContainerType(
    { message: ExecutionProofEnvelope, validatorIndex: ValidatorIndex, signature: ssz.BLSSignature },
    { typeName: "SignedExecutionProofEnvelope", jsonCase: "eth2" },
  );
  return { ExecutionProofEnvelope, SignedExecutionProofEnvelope };
}

type EnvelopeValue = ValueOf<ReturnType<typeof envelopeTypes>["ExecutionProofEnvelope"]>;

function toEnvelope(p: ExecutionProof): EnvelopeValue {
  if (!p.beaconBlockRoot) {
    throw new EproofError("BAD_INPUT", "an execution proof envelope needs the beacon block root it proves");
  }
  return { proofData: p.proofData, proofType: p.proofType, beaconBlockRoot: p.beaconBlockRoot };
}

function fromEnvelope(e: EnvelopeValue): ExecutionProof {
  // Unresolved: the receiver rebuilds PublicInput once it knows the block's payload.
  return { ...e, publicInput: { newPayloadRequestRoot: ZERO_ROOT } };
}

function envelopeContainers(profile: SpecProfile, ProofData: ProofDataType): ProofContainers {
  const { ExecutionProofEnvelope: E, SignedExecutionProofEnvelope: S } = envelopeTypes(ProofData);
  const message: SszCodec<ExecutionProof> = {
    serialize: (v) => E.serialize(toEnvelope(v)),
    deserialize: (b) => fromEnvelope(E.deserialize(b)),
    hashTreeRoot: (v) => E.hashTreeRoot(toEnvelope(v)),
    toJson: (v) => E.toJson(toEnvelope(v)),
    fromJson: (j) => fromEnvelope(E.fromJson(j)),
    defaultValue: () => fromEnvelope(E.defaultValue()),
  };
  const toSigned = (v: SignedExecutionProof) => ({ ...v, message: toEnvelope(v.message) });
  const fromSigned = (v: ValueOf<typeof S>): SignedExecutionProof => ({
    ...v,
    message: fromEnvelope(v.message),
  });
  const signed: SszCodec<SignedExecutionProof> = {
    serialize: (v) => S.serialize(toSigned(v)),
    deserialize: (b) => fromSigned(S.deserialize(b)),
    hashTreeRoot: (v) => S.hashTreeRoot(toSigned(v)),
    toJson: (v) => S.toJson(toSigned(v)),
    fromJson: (j) => fromSigned(S.fromJson(j)),
    defaultValue: () => fromSigned(S.defaultValue()),
  };
  // offset + type + block root, validator index, signature, proof: 4194449 with MAX_PROOF_SIZE = 4 MiB
  // (MAX_SIGNED_EXECUTION_PROOF_ENVELOPE_SIZE).
  const fixed = 4 + 4 + 1 + 32 + 8 + 96;
  const L = new ListCompositeType(S, MAX_EXECUTION_PROOFS_PER_PAYLOAD);
  const list: SszCodec<SignedExecutionProof[]> = {
    serialize: (v) => L.serialize(v.map(toSigned)),
    deserialize: (b) => L.deserialize(b).map(fromSigned),
    hashTreeRoot: (v) => L.hashTreeRoot(v.map(toSigned)),
    toJson: (v) => L.toJson(v.map(toSigned)),
    fromJson: (j) => L.fromJson(j).map(fromSigned),
    defaultValue: () => [],
  };
  return {
    profile,
    PublicInput: PublicInputProgressive as unknown as SszCodec<PublicInput>,
    ExecutionProof: message,
    SignedExecutionProof: signed,
    maxSignedProofBytes: fixed + profile.maxProofSize,
    SignedExecutionProofList: list,
  };
}

/** True once `publicInput` names the payload (always, except for a freshly decoded envelope). */
export function isResolved(proof: ExecutionProof): boolean {
  return proof.publicInput.newPayloadRequestRoot.some((b) => b !== 0);
}

/**
 * PublicInput as the profile defines it, for a payload proved valid: what a verifier checks the
 * guest's output against (v1.7: (root, True, DEPOSIT_CHAIN_ID, 0x1501)).
 */
export function buildPublicInput(
  profile: SpecProfile,
  root: Uint8Array,
  chainId: bigint | undefined,
): PublicInput {
  if (profile.publicInput === "root") return { newPayloadRequestRoot: root };
  if (profile.publicInput === "root_flag_chain") {
    return {
      newPayloadRequestRoot: root,
      successfulValidation: true,
      chainConfig: { chainId: chainId ?? 0n },
    };
  }
  return {
    newPayloadRequestRoot: root,
    successfulValidation: true,
    chainId: chainId ?? 0n,
    schemaId: profile.statelessSchemaId,
  };
}

/** A stored message (SSZ of the profile's form) with its payload root put back. */
export function decodeStoredProof(
  containers: ProofContainers,
  bytes: Uint8Array,
  newPayloadRequestRoot: Uint8Array,
): ExecutionProof {
  const proof = containers.ExecutionProof.deserialize(bytes);
  if (containers.profile.wire === "envelope") proof.publicInput = { newPayloadRequestRoot };
  return proof;
}
