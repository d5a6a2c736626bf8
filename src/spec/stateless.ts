// The execution-layer side of EIP-8025: StatelessInput (what a guest or the CPU verifier re-executes),
// ExecutionWitness, ChainConfig and StatelessValidationResult, with the schema-id framing on the wire.
//
// Three schema families, all SSZ with @chainsafe/ssz:
// - 0x1501 "amsterdam-r1": the execution layer's NewPayloadRequest (a plain Container whose payload and
//   execution requests are ProgressiveContainers, versioned hashes a ProgressiveList). Upstream kept the
//   id 0x1501 across incompatible body changes, so the id alone does not name the encoding; eproof knows
//   three revisions of the body (`StatelessRevisionName`, chosen by the spec profile):
//   - "amsterdam-2026-08": execution-specs `forks/amsterdam/stateless_ssz.py` (2026-08): ChainConfig
//     {chain_id, active_fork.activation}, bounded witness lists, public keys List[ByteVector[65], 2^15];
//     result = {root, flag, ChainConfig}.
//   - "v0.8.4": execution-specs `tests-zkevm@v0.8.4` (`forks/amsterdam/stateless.py`, the SSZ annotations
//     on its dataclasses; the schema of #3356): {npr, witness{state: ProgressiveList[ByteList[2^10]],
//     codes: ProgressiveList[ByteList[2^16]], headers: List[ByteList[2^10], 256]}, chain_id: uint64,
//     public_keys: ProgressiveList[ByteVector[65]]}. ere-guests v0.17 decodes this one.
//   - "v21.0.1": execution-specs `tests-zkevm@v21.0.1`: the same without `public_keys`.
//   Both current revisions write the 43-byte result {root, flag, chain_id u64, schema_id u16}, 43 zero
//   bytes for an input that does not decode. On the wire: 2-byte big-endian id, then SSZ.
// - 0x1400 "amsterdam-r0": what EEST zkevm@v0.3.3 fixtures carry. Worked out from their bytes: plain
//   Containers and bounded Lists (transactions 2^20 × ByteList[2^30], withdrawals 2^16, versioned hashes
//   4096, block_access_list ByteList[2^24]), `execution_requests` as List[ByteList, 16] (Engine-API style
//   typed request bytes), ChainConfig {chain_id} only. Every NPR root in the fixtures matches this schema.
//   The "id" 0x1400 is no prefix at all: it is the first two bytes of the SSZ itself (the little-endian
//   offset 20 of the fixed part), so these bytes are decoded from offset 0 and encoded without a prefix.
// - 0x0FE0 / 0x10E0 / 0x11E0 / 0x12E0 (eproof-local; revision byte 0xE0): pre-Amsterdam inputs for
//   Shanghai, Cancun, Prague, Osaka, whose NewPayloadRequest is the consensus fork's own type
//   (`@lodestar/types` capella / deneb / electra, Fulu = Electra), with the 0x1400 witness, ChainConfig {chain_id} and public keys. No public guest
//   reads these; they exist so the CPU proof type covers the forks mainnet runs today.
import {
  BooleanType,
  ByteListType,
  ByteVectorType,
  ContainerType,
  ListBasicType,
  ListCompositeType,
  ProgressiveByteListType,
  ProgressiveContainerType,
  ProgressiveListCompositeType,
  UintBigintType,
  UintNumberType,
  type ValueOf,
} from "@chainsafe/ssz";
import { EproofError, errorMessage } from "../util/errors.ts";
import { fromHex } from "../util/hex.ts";
import {
  type ForkedNewPayloadRequest,
  type GloasNewPayloadRequest,
  type NewPayloadRequest,
  type NprFork,
  nprType,
} from "./newPayloadRequest.ts";
import type { StatelessRevisionName } from "./profile.ts";
import { assertExactNumbers, SafeUintNum64Type } from "./uint64.ts";

export type { StatelessRevisionName };

export const SCHEMA_AMSTERDAM_R1 = 0x1501;
export const SCHEMA_AMSTERDAM_R0 = 0x1400;
// eproof's own CL-typed schemas (only its CPU proof type reads them): Shanghai is for pre-Deneb devnets.
export const SCHEMA_SHANGHAI_CL = 0x0fe0;
export const SCHEMA_CANCUN_CL = 0x10e0;
export const SCHEMA_PRAGUE_CL = 0x11e0;
export const SCHEMA_OSAKA_CL = 0x12e0;
export const STATELESS_SCHEMA_IDS = [
  SCHEMA_AMSTERDAM_R1,
  SCHEMA_AMSTERDAM_R0,
  SCHEMA_SHANGHAI_CL,
  SCHEMA_CANCUN_CL,
  SCHEMA_PRAGUE_CL,
  SCHEMA_OSAKA_CL,
] as const;
export type StatelessSchemaId = (typeof STATELESS_SCHEMA_IDS)[number];

export const PUBLIC_KEY_BYTES = 65;

// Exact or refused: a u64 above 2^53 read as a number would change the NPR root (issue 18, defect 8).
const u64 = new SafeUintNum64Type("uint64");
const u256 = new UintBigintType(32);
const bytes32 = new ByteVectorType(32);
const bytes20 = new ByteVectorType(20);
const bytes48 = new ByteVectorType(48);
const bytes96 = new ByteVectorType(96);
const bloom = new ByteVectorType(256);
const extraData = new ByteListType(32);
const allActive = (n: number): boolean[] => new Array<boolean>(n).fill(true);

const Withdrawal = new ContainerType({ index: u64, validatorIndex: u64, address: bytes20, amount: u64 });

/** The payload fields both Amsterdam schemas share, in order, up to the block hash. */
const payloadHeaderFields = {
  parentHash: bytes32,
  feeRecipient: bytes20,
  stateRoot: bytes32,
  receiptsRoot: bytes32,
  logsBloom: bloom,
  prevRandao: bytes32,
  blockNumber: u64,
  gasLimit: u64,
  gasUsed: u64,
  timestamp: u64,
  extraData,
  baseFeePerGas: u256,
  blockHash: bytes32,
};

// ---- 0x1400 (EEST zkevm v0.3.3) ----
const PayloadR0 = new ContainerType({
  ...payloadHeaderFields,
  transactions: new ListCompositeType(new ByteListType(2 ** 30), 2 ** 20),
  withdrawals: new ListCompositeType(Withdrawal, 2 ** 16),
  blobGasUsed: u64,
  excessBlobGas: u64,
  blockAccessList: new ByteListType(2 ** 24),
  slotNumber: u64,
});
/** The request-bytes item bound is not pinned by any fixture (all carry none); 2^20 is eproof's choice. */
export const NprAmsterdamR0 = new ContainerType({
  executionPayload: PayloadR0,
  versionedHashes: new ListCompositeType(bytes32, 4096),
  parentBeaconBlockRoot: bytes32,
  executionRequests: new ListCompositeType(new ByteListType(2 ** 20), 16),
});
const WitnessR0 = new ContainerType({
  state: new ListCompositeType(new ByteListType(2 ** 20), 2 ** 20),
  codes: new ListCompositeType(new ByteListType(2 ** 24), 2 ** 16),
  headers: new ListCompositeType(new ByteListType(2 ** 10), 256),
});
const ChainConfigR0 = new ContainerType({ chainId: u64 });
const PublicKeysR0 = new ListCompositeType(new ByteListType(PUBLIC_KEY_BYTES), 2 ** 20);
const InputR0 = new ContainerType({
  newPayloadRequest: NprAmsterdamR0,
  witness: WitnessR0,
  chainConfig: ChainConfigR0,
  publicKeys: PublicKeysR0,
});
const ResultR0 = new ContainerType({
  newPayloadRequestRoot: bytes32,
  successfulValidation: new BooleanType(),
  chainConfig: ChainConfigR0,
});

// ---- 0x1501 (execution-specs amsterdam stateless_ssz.py, revision 1) ----
const PayloadR1 = new ProgressiveContainerType(
  {
    ...payloadHeaderFields,
    transactions: new ProgressiveListCompositeType(new ProgressiveByteListType()),
    withdrawals: new ProgressiveListCompositeType(Withdrawal),
    blobGasUsed: u64,
    excessBlobGas: u64,
    blockAccessList: new ProgressiveByteListType(),
    slotNumber: u64,
  },
  allActive(19),
);
const DepositRequest = new ContainerType({
  pubkey: bytes48,
  withdrawalCredentials: bytes32,
  amount: u64,
  signature: bytes96,
  index: u64,
});
const WithdrawalRequest = new ContainerType({
  sourceAddress: bytes20,
  validatorPubkey: bytes48,
  amount: u64,
});
const ConsolidationRequest = new ContainerType({
  sourceAddress: bytes20,
  sourcePubkey: bytes48,
  targetPubkey: bytes48,
});
const BuilderDepositRequest = new ContainerType({
  pubkey: bytes48,
  withdrawalCredentials: bytes32,
  amount: u64,
  signature: bytes96,
});
const BuilderExitRequest = new ContainerType({ sourceAddress: bytes20, pubkey: bytes48 });
const RequestsR1 = new ProgressiveContainerType(
  {
    deposits: new ProgressiveListCompositeType(DepositRequest),
    withdrawals: new ProgressiveListCompositeType(WithdrawalRequest),
    consolidations: new ProgressiveListCompositeType(ConsolidationRequest),
    builderDeposits: new ProgressiveListCompositeType(BuilderDepositRequest),
    builderExits: new ProgressiveListCompositeType(BuilderExitRequest),
  },
  allActive(5),
);
export const NprAmsterdamR1 = new ContainerType({
  executionPayload: PayloadR1,
  versionedHashes: new ProgressiveListCompositeType(bytes32),
  parentBeaconBlockRoot: bytes32,
  executionRequests: RequestsR1,
});
const WitnessR1 = new ContainerType({
  state: new ListCompositeType(new ByteListType(2 ** 10), 2 ** 22),
  codes: new ListCompositeType(new ByteListType(2 ** 16), 2 ** 18),
  headers: new ListCompositeType(new ByteListType(2 ** 10), 256),
});
const OptionalU64 = new ListBasicType(u64, 1);
const ChainConfigR1 = new ContainerType({
  chainId: u64,
  activeFork: new ContainerType({
    activation: new ContainerType({ blockNumber: OptionalU64, timestamp: OptionalU64 }),
  }),
});
const PublicKeysR1 = new ListCompositeType(new ByteVectorType(PUBLIC_KEY_BYTES), 2 ** 15);
const InputR1 = new ContainerType({
  newPayloadRequest: NprAmsterdamR1,
  witness: WitnessR1,
  chainConfig: ChainConfigR1,
  publicKeys: PublicKeysR1,
});
const ResultR1 = new ContainerType({
  newPayloadRequestRoot: bytes32,
  successfulValidation: new BooleanType(),
  chainConfig: ChainConfigR1,
});

// ---- 0x1501, tests-zkevm v0.8.4 and v21.0.1 (execution-specs `forks/amsterdam/stateless.py`) ----
/** ExecutionWitness of tests-zkevm v0.8.x / v21: progressive state and codes, bounded headers. */
export const ExecutionWitnessProgressive = new ContainerType({
  state: new ProgressiveListCompositeType(new ByteListType(2 ** 10)),
  codes: new ProgressiveListCompositeType(new ByteListType(2 ** 16)),
  headers: new ListCompositeType(new ByteListType(2 ** 10), 256),
});
/** public_keys of tests-zkevm v0.8.4: ProgressiveList[ByteVector[65]]. */
export const PublicKeysProgressive = new ProgressiveListCompositeType(new ByteVectorType(PUBLIC_KEY_BYTES));
const InputV084 = new ContainerType({
  newPayloadRequest: NprAmsterdamR1,
  witness: ExecutionWitnessProgressive,
  chainId: u64,
  publicKeys: PublicKeysProgressive,
});
const InputV21 = new ContainerType({
  newPayloadRequest: NprAmsterdamR1,
  witness: ExecutionWitnessProgressive,
  chainId: u64,
});
/**
 * The 43-byte StatelessValidationResult of tests-zkevm v0.8.4 / v21.0.1 (and ere-guests v0.17's
 * `guest/output.rs`): root ‖ bool ‖ chain_id u64 LE ‖ schema_id u16 LE. chain_id is kept as a bigint.
 */
export const StatelessResult43 = new ContainerType({
  newPayloadRequestRoot: bytes32,
  successfulValidation: new BooleanType(),
  chainId: new UintBigintType(8),
  schemaId: new UintNumberType(2),
});
export const RESULT_43_BYTES = 43;

export type AmsterdamR0Npr = ValueOf<typeof NprAmsterdamR0>;
export type AmsterdamR1Npr = ValueOf<typeof NprAmsterdamR1>;

/** The NewPayloadRequest inside a StatelessInput, tagged with the schema family that types it. */
export type StatelessNpr =
  | { schema: "amsterdam-r0"; value: AmsterdamR0Npr }
  | { schema: "amsterdam-r1"; value: AmsterdamR1Npr }
  | { schema: "cl"; npr: ForkedNewPayloadRequest };

export interface ExecutionWitnessValue {
  /** RLP trie nodes (account and storage tries) needed to execute and to recompute the post-state root. */
  state: Uint8Array[];
  /** Pre-state bytecodes read. */
  codes: Uint8Array[];
  /** RLP ancestor headers, contiguous, ending at the parent. */
  headers: Uint8Array[];
}

/** ChainConfig: the chain id everywhere; revision 1 adds the active fork's activation (block or time). */
export interface ChainConfigValue {
  chainId: number;
  activation?: { blockNumber?: number; timestamp?: number };
}

export interface StatelessInputValue {
  newPayloadRequest: StatelessNpr;
  witness: ExecutionWitnessValue;
  /** v0.8.4 / v21.0.1 carry only the chain id (`{chainId}`); `activation` is then not written. */
  chainConfig: ChainConfigValue;
  /** One 65-byte uncompressed secp256k1 key (0x04‖X‖Y) per transaction, or none (always none in v21.0.1). */
  publicKeys: Uint8Array[];
  /** Which 0x1501 body revision this value is (set by decode); unset means "amsterdam-2026-08". */
  revision?: StatelessRevisionName;
}

export interface StatelessValidationResultValue {
  newPayloadRequestRoot: Uint8Array;
  successfulValidation: boolean;
  chainConfig: ChainConfigValue;
  /** The schema id the 43-byte result echoes (decoded from one; written as 0x1501 when unset). */
  schemaId?: number;
}

/** The 43-byte result as its fields (chain id as a bigint: u64 does not fit a JS number). */
export interface StatelessResult43Value {
  newPayloadRequestRoot: Uint8Array;
  successfulValidation: boolean;
  chainId: bigint;
  schemaId: number;
}

/**
 * Revisions tried, in this order, when 0x1501 bytes are decoded without a revision. v0.8.4's fixed part is
 * 20 bytes, the others' 16, so v0.8.4 never collides. A 2026-08 body always also parses as v21.0.1 (its
 * two ChainConfig/public-key offsets read as one u64 chain id ≥ 2^32) and re-encodes identically, while a
 * v21.0.1 body with a chain id below 2^32 never parses as 2026-08 (its second "offset" would be 0). So
 * 2026-08 goes before v21.0.1; only a v21.0.1 input with a chain id ≥ 2^32 needs its revision named.
 */
export const STATELESS_REVISION_TRY_ORDER: readonly StatelessRevisionName[] = [
  "v0.8.4",
  "amsterdam-2026-08",
  "v21.0.1",
];

function isCurrentRevision(r: StatelessRevisionName | undefined): r is "v0.8.4" | "v21.0.1" {
  return r === "v0.8.4" || r === "v21.0.1";
}

const CL_SCHEMA_BY_FORK: Record<NprFork, StatelessSchemaId | undefined> = {
  capella: SCHEMA_SHANGHAI_CL,
  deneb: SCHEMA_CANCUN_CL,
  electra: SCHEMA_PRAGUE_CL,
  fulu: SCHEMA_OSAKA_CL,
  gloas: undefined,
};

/** The schema id a StatelessInput for this consensus fork's NPR is written with (Gloas ⇒ Amsterdam r1). */
export function schemaIdForFork(fork: NprFork): StatelessSchemaId {
  if (fork === "gloas") return SCHEMA_AMSTERDAM_R1;
  const id = CL_SCHEMA_BY_FORK[fork];
  if (id === undefined)
    throw new EproofError("UNKNOWN_FORK", `no StatelessInput schema for ${fork} (Shanghai or later)`);
  return id;
}

function clForkOfSchema(id: number): NprFork | undefined {
  if (id === SCHEMA_SHANGHAI_CL) return "capella";
  if (id === SCHEMA_CANCUN_CL) return "deneb";
  if (id === SCHEMA_PRAGUE_CL) return "electra";
  if (id === SCHEMA_OSAKA_CL) return "fulu";
  return undefined;
}

export function isStatelessSchemaId(id: number): id is StatelessSchemaId {
  return (STATELESS_SCHEMA_IDS as readonly number[]).includes(id);
}

function clInputType(fork: NprFork) {
  return new ContainerType({
    newPayloadRequest: nprType(fork),
    witness: WitnessR0,
    chainConfig: ChainConfigR0,
    publicKeys: PublicKeysR0,
  });
}
const CL_INPUT_TYPES = new Map<NprFork, ReturnType<typeof clInputType>>();
function clInput(fork: NprFork): ReturnType<typeof clInputType> {
  let t = CL_INPUT_TYPES.get(fork);
  if (!t) {
    t = clInputType(fork);
    CL_INPUT_TYPES.set(fork, t);
  }
  return t;
}

function prefix(id: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + body.length);
  out[0] = id >> 8;
  out[1] = id & 0xff;
  out.set(body, 2);
  return out;
}

function r1ChainConfig(c: ChainConfigValue): ValueOf<typeof ChainConfigR1> {
  const a = c.activation ?? {};
  return {
    chainId: c.chainId,
    activeFork: {
      activation: {
        blockNumber: a.blockNumber === undefined ? [] : [a.blockNumber],
        timestamp: a.timestamp === undefined ? [] : [a.timestamp],
      },
    },
  };
}

function fromR1ChainConfig(c: ValueOf<typeof ChainConfigR1>): ChainConfigValue {
  const activation: { blockNumber?: number; timestamp?: number } = {};
  const [bn] = c.activeFork.activation.blockNumber;
  const [ts] = c.activeFork.activation.timestamp;
  if (bn !== undefined) activation.blockNumber = bn;
  if (ts !== undefined) activation.timestamp = ts;
  return { chainId: c.chainId, activation };
}

/** The SSZ body (no prefix) of a 0x1501 input in the given revision. */
function encodeR1Body(
  value: StatelessInputValue,
  npr: AmsterdamR1Npr,
  revision: StatelessRevisionName,
): Uint8Array {
  const witness = value.witness;
  if (revision === "v0.8.4") {
    return InputV084.serialize({
      newPayloadRequest: npr,
      witness,
      chainId: value.chainConfig.chainId,
      publicKeys: value.publicKeys,
    });
  }
  if (revision === "v21.0.1") {
    if (value.publicKeys.length > 0) {
      throw new EproofError(
        "BAD_INPUT",
        `a v21.0.1 StatelessInput carries no public keys (${value.publicKeys.length} given)`,
      );
    }
    return InputV21.serialize({ newPayloadRequest: npr, witness, chainId: value.chainConfig.chainId });
  }
  return InputR1.serialize({
    newPayloadRequest: npr,
    witness,
    chainConfig: r1ChainConfig(value.chainConfig),
    publicKeys: value.publicKeys,
  });
}

/**
 * Wire bytes for a StatelessInput: `schema_id (u16 big-endian) ‖ SSZ`, except 0x1400 whose SSZ already
 * begins with those two bytes (see the file header). The NPR's family must fit the schema id. For 0x1501
 * the body revision is `revision`, else `value.revision`, else "amsterdam-2026-08".
 */
export function encodeStatelessInput(
  value: StatelessInputValue,
  schemaId: number,
  revision?: StatelessRevisionName,
): Uint8Array {
  const npr = value.newPayloadRequest;
  const witness = value.witness;
  if (schemaId === SCHEMA_AMSTERDAM_R0) {
    if (npr.schema !== "amsterdam-r0") throw mismatch(schemaId, npr);
    return InputR0.serialize({
      newPayloadRequest: npr.value,
      witness,
      chainConfig: { chainId: value.chainConfig.chainId },
      publicKeys: value.publicKeys,
    });
  }
  if (schemaId === SCHEMA_AMSTERDAM_R1) {
    if (npr.schema !== "amsterdam-r1") throw mismatch(schemaId, npr);
    const rev = revision ?? value.revision ?? "amsterdam-2026-08";
    try {
      return prefix(schemaId, encodeR1Body(value, npr.value, rev));
    } catch (e) {
      if (e instanceof EproofError) throw e;
      throw new EproofError("BAD_INPUT", `cannot write a ${rev} StatelessInput: ${errorMessage(e)}`);
    }
  }
  const fork = clForkOfSchema(schemaId);
  if (fork === undefined) throw unknownSchema(schemaId);
  if (npr.schema !== "cl" || nprType(npr.npr.fork) !== nprType(fork)) throw mismatch(schemaId, npr);
  const body = clInput(fork).serialize({
    newPayloadRequest: npr.npr.value as never,
    witness,
    chainConfig: { chainId: value.chainConfig.chainId },
    publicKeys: value.publicKeys,
  });
  return prefix(schemaId, body);
}

function mismatch(schemaId: number, npr: StatelessNpr): EproofError {
  const what =
    npr.schema === "cl" ? `a ${npr.npr.fork} NewPayloadRequest` : `an ${npr.schema} NewPayloadRequest`;
  return new EproofError("BAD_INPUT", `schema 0x${schemaId.toString(16)} cannot carry ${what}`);
}

function unknownSchema(id: number): EproofError {
  const known = STATELESS_SCHEMA_IDS.map((s) => `0x${s.toString(16).padStart(4, "0")}`).join(", ");
  return new EproofError(
    "SSZ_DECODE",
    `unknown StatelessInput schema id 0x${id.toString(16).padStart(4, "0")} (known: ${known})`,
  );
}

/** Decodes a 0x1501 body as one revision (throws whatever the SSZ library throws). */
function decodeR1Body(body: Uint8Array, revision: StatelessRevisionName): StatelessInputValue {
  if (revision === "v0.8.4") {
    const v = InputV084.deserialize(body);
    return {
      newPayloadRequest: { schema: "amsterdam-r1", value: v.newPayloadRequest },
      witness: v.witness,
      chainConfig: { chainId: v.chainId },
      publicKeys: v.publicKeys,
      revision,
    };
  }
  if (revision === "v21.0.1") {
    const v = InputV21.deserialize(body);
    return {
      newPayloadRequest: { schema: "amsterdam-r1", value: v.newPayloadRequest },
      witness: v.witness,
      chainConfig: { chainId: v.chainId },
      publicKeys: [],
      revision,
    };
  }
  const v = InputR1.deserialize(body);
  return {
    newPayloadRequest: { schema: "amsterdam-r1", value: v.newPayloadRequest },
    witness: v.witness,
    chainConfig: fromR1ChainConfig(v.chainConfig),
    publicKeys: v.publicKeys,
    revision,
  };
}

export interface DecodedStatelessInput {
  schemaId: StatelessSchemaId;
  value: StatelessInputValue;
  /** For 0x1501: the body revision that decoded (given, or found by trying). */
  revision?: StatelessRevisionName;
}

/**
 * Decodes schema-framed StatelessInput bytes; any malformed input is an SSZ_DECODE EproofError. For 0x1501,
 * `revision` names the body revision; without it the revisions are tried in STATELESS_REVISION_TRY_ORDER
 * and the first that decodes and re-encodes to the same bytes is reported.
 */
export function decodeStatelessInput(
  bytes: Uint8Array,
  revision?: StatelessRevisionName,
): DecodedStatelessInput {
  if (!(bytes instanceof Uint8Array) || bytes.length < 2) {
    throw new EproofError("SSZ_DECODE", "StatelessInput bytes are shorter than the 2-byte schema id");
  }
  const id = (bytes[0] ?? 0) * 256 + (bytes[1] ?? 0);
  if (!isStatelessSchemaId(id)) throw unknownSchema(id);
  if (id === SCHEMA_AMSTERDAM_R1) return decodeR1(bytes, revision);
  try {
    if (id === SCHEMA_AMSTERDAM_R0) {
      const v = InputR0.deserialize(bytes);
      return {
        schemaId: id,
        value: {
          newPayloadRequest: { schema: "amsterdam-r0", value: v.newPayloadRequest },
          witness: v.witness,
          chainConfig: { chainId: v.chainConfig.chainId },
          publicKeys: v.publicKeys,
        },
      };
    }
    const body = bytes.subarray(2);
    const fork = clForkOfSchema(id);
    if (fork === undefined) throw unknownSchema(id);
    const v = clInput(fork).deserialize(body);
    assertExactNumbers(v.newPayloadRequest, `${fork} NewPayloadRequest`);
    return {
      schemaId: id,
      value: {
        newPayloadRequest: { schema: "cl", npr: { fork, value: v.newPayloadRequest as NewPayloadRequest } },
        witness: v.witness,
        chainConfig: { chainId: v.chainConfig.chainId },
        publicKeys: v.publicKeys,
      },
    };
  } catch (e) {
    if (e instanceof EproofError) throw e;
    throw new EproofError(
      "SSZ_DECODE",
      `not a StatelessInput of schema 0x${id.toString(16).padStart(4, "0")}: ${errorMessage(e)}`,
    );
  }
}

function decodeR1(bytes: Uint8Array, revision: StatelessRevisionName | undefined): DecodedStatelessInput {
  const body = bytes.subarray(2);
  if (revision !== undefined) {
    try {
      return { schemaId: SCHEMA_AMSTERDAM_R1, value: decodeR1Body(body, revision), revision };
    } catch (e) {
      throw new EproofError(
        "SSZ_DECODE",
        `not a ${revision} StatelessInput of schema 0x1501: ${errorMessage(e)}`,
      );
    }
  }
  const errors: string[] = [];
  for (const rev of STATELESS_REVISION_TRY_ORDER) {
    try {
      const value = decodeR1Body(body, rev);
      if (value.newPayloadRequest.schema !== "amsterdam-r1") continue;
      // A lenient decode into the wrong shape would not write the same bytes back.
      if (Buffer.compare(encodeR1Body(value, value.newPayloadRequest.value, rev), body) !== 0) {
        errors.push(`${rev}: re-encoding differs`);
        continue;
      }
      return { schemaId: SCHEMA_AMSTERDAM_R1, value, revision: rev };
    } catch (e) {
      errors.push(`${rev}: ${errorMessage(e)}`);
    }
  }
  throw new EproofError(
    "SSZ_DECODE",
    `not a StatelessInput of schema 0x1501 in any known revision (${errors.join("; ")})`,
  );
}

/** hash_tree_root of the NPR as its schema family defines it (the guest's `new_payload_request_root`). */
export function statelessNprRoot(npr: StatelessNpr): Uint8Array {
  if (npr.schema === "amsterdam-r0") return NprAmsterdamR0.hashTreeRoot(npr.value);
  if (npr.schema === "amsterdam-r1") return NprAmsterdamR1.hashTreeRoot(npr.value);
  return nprType(npr.npr.fork).hashTreeRoot(npr.npr.value as never);
}

/** The 43-byte result of tests-zkevm v0.8.4 / v21.0.1. */
export function encodeResult43(value: StatelessResult43Value): Uint8Array {
  if (value.newPayloadRequestRoot.length !== 32) {
    throw new EproofError(
      "BAD_INPUT",
      `new_payload_request_root must be 32 bytes, got ${value.newPayloadRequestRoot.length}`,
    );
  }
  try {
    return StatelessResult43.serialize(value);
  } catch (e) {
    throw new EproofError("BAD_INPUT", `not a StatelessValidationResult: ${errorMessage(e)}`);
  }
}

/** Decodes exactly 43 bytes (a bad length or boolean byte is SSZ_DECODE). */
export function decodeResult43(bytes: Uint8Array): StatelessResult43Value {
  if (!(bytes instanceof Uint8Array) || bytes.length !== RESULT_43_BYTES) {
    throw new EproofError(
      "SSZ_DECODE",
      `a StatelessValidationResult is ${RESULT_43_BYTES} bytes, got ${bytes?.length ?? 0}`,
    );
  }
  try {
    return StatelessResult43.deserialize(bytes);
  } catch (e) {
    throw new EproofError("SSZ_DECODE", `not a StatelessValidationResult: ${errorMessage(e)}`);
  }
}

/** What a v0.8.4 / v21.0.1 guest writes for an input that does not decode: 43 zero bytes. */
export function malformedInputResult43(): Uint8Array {
  return new Uint8Array(RESULT_43_BYTES);
}

export function isMalformedInputResult43(bytes: Uint8Array): boolean {
  return bytes.length === RESULT_43_BYTES && bytes.every((b) => b === 0);
}

/**
 * SSZ StatelessValidationResult. For 0x1501: the 43-byte form in revisions v0.8.4 / v21.0.1, the full
 * ChainConfig form in "amsterdam-2026-08" (the default when no revision is given, for older callers);
 * every other schema the 41-byte form `root ‖ flag ‖ chain_id (u64 LE)` of the EEST fixtures.
 */
export function encodeValidationResult(
  value: StatelessValidationResultValue,
  schemaId: number,
  revision?: StatelessRevisionName,
): Uint8Array {
  if (schemaId === SCHEMA_AMSTERDAM_R1 && isCurrentRevision(revision)) {
    return encodeResult43({
      newPayloadRequestRoot: value.newPayloadRequestRoot,
      successfulValidation: value.successfulValidation,
      chainId: BigInt(value.chainConfig.chainId),
      schemaId: value.schemaId ?? SCHEMA_AMSTERDAM_R1,
    });
  }
  if (schemaId === SCHEMA_AMSTERDAM_R1) {
    return ResultR1.serialize({
      newPayloadRequestRoot: value.newPayloadRequestRoot,
      successfulValidation: value.successfulValidation,
      chainConfig: r1ChainConfig(value.chainConfig),
    });
  }
  if (!isStatelessSchemaId(schemaId)) throw unknownSchema(schemaId);
  return ResultR0.serialize({
    newPayloadRequestRoot: value.newPayloadRequestRoot,
    successfulValidation: value.successfulValidation,
    chainConfig: { chainId: value.chainConfig.chainId },
  });
}

/**
 * Decodes any result form by its length: 41 bytes is the fixed form, 43 bytes the v0.8.4 / v21.0.1 form
 * (its schema id kept; the all-zero sentinel decodes to root 0, false, chain 0, schema 0 — see
 * isMalformedInputResult43), anything else is tried as the 2026-08 ChainConfig form.
 */
export function decodeValidationResult(bytes: Uint8Array): StatelessValidationResultValue {
  if (bytes instanceof Uint8Array && bytes.length === RESULT_43_BYTES) {
    const v = decodeResult43(bytes);
    if (v.chainId > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new EproofError("SSZ_DECODE", `result chain id ${v.chainId} is beyond 2^53 (use decodeResult43)`);
    }
    return {
      newPayloadRequestRoot: v.newPayloadRequestRoot,
      successfulValidation: v.successfulValidation,
      chainConfig: { chainId: Number(v.chainId) },
      schemaId: v.schemaId,
    };
  }
  try {
    if (bytes.length === ResultR0.fixedSize) {
      const v = ResultR0.deserialize(bytes);
      return {
        newPayloadRequestRoot: v.newPayloadRequestRoot,
        successfulValidation: v.successfulValidation,
        chainConfig: { chainId: v.chainConfig.chainId },
      };
    }
    const v = ResultR1.deserialize(bytes);
    return {
      newPayloadRequestRoot: v.newPayloadRequestRoot,
      successfulValidation: v.successfulValidation,
      chainConfig: fromR1ChainConfig(v.chainConfig),
    };
  } catch (e) {
    throw new EproofError("SSZ_DECODE", `not a StatelessValidationResult: ${errorMessage(e)}`);
  }
}

// ---- Gloas consensus-layer NPR ⇄ execution-layer NPR ----
// The consensus type (`@lodestar/types` gloas.NewPayloadRequest, consensus-specs Gloas) is a 4-field
// ProgressiveContainer with versioned_hashes List[VersionedHash, 4096]; the execution layer's
// (NprAmsterdamR1, what guests hash) is a plain Container with a ProgressiveList of versioned hashes.
// Payload and requests have the same type in both. A ProgressiveContainer serialises as the Container of
// its fields, so both share one serialisation and only the roots differ: the conversion goes through it.

/** The execution-layer NewPayloadRequest carrying the same content as a Gloas consensus NPR. */
export function executionNprFromGloas(npr: GloasNewPayloadRequest | ForkedNewPayloadRequest): AmsterdamR1Npr {
  const value = "fork" in npr ? gloasValue(npr) : npr;
  try {
    return NprAmsterdamR1.deserialize(nprType("gloas").serialize(value as never));
  } catch (e) {
    throw new EproofError(
      "BAD_INPUT",
      `Gloas NewPayloadRequest has no execution-layer form: ${errorMessage(e)}`,
    );
  }
}

/** The Gloas consensus NPR of an execution-layer one (fails when a consensus bound is exceeded). */
export function gloasNprFromExecution(npr: AmsterdamR1Npr): GloasNewPayloadRequest {
  try {
    return nprType("gloas").deserialize(NprAmsterdamR1.serialize(npr)) as GloasNewPayloadRequest;
  } catch (e) {
    throw new EproofError(
      "BAD_INPUT",
      `execution-layer NewPayloadRequest exceeds the Gloas consensus bounds: ${errorMessage(e)}`,
    );
  }
}

function gloasValue(npr: ForkedNewPayloadRequest): GloasNewPayloadRequest {
  if (npr.fork !== "gloas") {
    throw new EproofError(
      "UNKNOWN_FORK",
      `a ${npr.fork} NewPayloadRequest has no Amsterdam execution-layer form`,
    );
  }
  return npr.value as GloasNewPayloadRequest;
}

/**
 * hash_tree_root of the execution-layer NPR: the `new_payload_request_root` Amsterdam guests commit to.
 * Takes the EL value itself, or a forked (Gloas) consensus NPR that is converted first.
 */
export function executionNprRoot(npr: AmsterdamR1Npr | ForkedNewPayloadRequest): Uint8Array {
  return NprAmsterdamR1.hashTreeRoot("fork" in npr ? executionNprFromGloas(npr) : npr);
}

/** Converts a `debug_executionWitness` result (`state`, `codes`, `keys`, `headers` hex arrays). */
export function witnessFromRpcJson(json: unknown): ExecutionWitnessValue {
  if (typeof json !== "object" || json === null) {
    throw new EproofError("BAD_INPUT", "execution witness JSON must be an object with state/codes/headers");
  }
  const obj = json as Record<string, unknown>;
  const list = (name: string, required: boolean): Uint8Array[] => {
    const v = obj[name];
    if (v === undefined || v === null) {
      if (required) throw new EproofError("BAD_INPUT", `execution witness JSON has no "${name}" array`);
      return [];
    }
    if (!Array.isArray(v)) throw new EproofError("BAD_INPUT", `execution witness "${name}" is not an array`);
    return v.map((h, i) => fromHex(String(h), `witness ${name}[${i}]`));
  };
  // `keys` (preimages of hashed trie keys) are not part of the SSZ witness: execution needs none of them.
  return { state: list("state", true), codes: list("codes", false), headers: list("headers", true) };
}
