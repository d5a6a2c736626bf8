// The execution-layer side of EIP-8025: StatelessInput (what a guest or the CPU verifier re-executes),
// ExecutionWitness, ChainConfig and StatelessValidationResult, with the schema-id framing on the wire.
//
// Three schema families, all SSZ with @chainsafe/ssz:
// - 0x1501 "amsterdam-r1": execution-specs `forks/amsterdam/stateless_ssz.py` (2026 revision): the
//   payload and execution requests are ProgressiveContainers with progressive lists; ChainConfig carries
//   `active_fork.activation`; public keys are ByteVector[65]. On the wire: 2-byte big-endian id, then SSZ.
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
  type NewPayloadRequest,
  type NprFork,
  nprType,
} from "./newPayloadRequest.ts";

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

const u64 = new UintNumberType(8);
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
  chainConfig: ChainConfigValue;
  /** One 65-byte uncompressed secp256k1 key (0x04‖X‖Y) per transaction, or none. */
  publicKeys: Uint8Array[];
}

export interface StatelessValidationResultValue {
  newPayloadRequestRoot: Uint8Array;
  successfulValidation: boolean;
  chainConfig: ChainConfigValue;
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

/**
 * Wire bytes for a StatelessInput: `schema_id (u16 big-endian) ‖ SSZ`, except 0x1400 whose SSZ already
 * begins with those two bytes (see the file header). The NPR's family must fit the schema id.
 */
export function encodeStatelessInput(value: StatelessInputValue, schemaId: number): Uint8Array {
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
    return prefix(
      schemaId,
      InputR1.serialize({
        newPayloadRequest: npr.value,
        witness,
        chainConfig: r1ChainConfig(value.chainConfig),
        publicKeys: value.publicKeys,
      }),
    );
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

/** Decodes schema-framed StatelessInput bytes; any malformed input is an SSZ_DECODE EproofError. */
export function decodeStatelessInput(bytes: Uint8Array): {
  schemaId: StatelessSchemaId;
  value: StatelessInputValue;
} {
  if (!(bytes instanceof Uint8Array) || bytes.length < 2) {
    throw new EproofError("SSZ_DECODE", "StatelessInput bytes are shorter than the 2-byte schema id");
  }
  const id = (bytes[0] ?? 0) * 256 + (bytes[1] ?? 0);
  if (!isStatelessSchemaId(id)) throw unknownSchema(id);
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
    if (id === SCHEMA_AMSTERDAM_R1) {
      const v = InputR1.deserialize(body);
      return {
        schemaId: id,
        value: {
          newPayloadRequest: { schema: "amsterdam-r1", value: v.newPayloadRequest },
          witness: v.witness,
          chainConfig: fromR1ChainConfig(v.chainConfig),
          publicKeys: v.publicKeys,
        },
      };
    }
    const fork = clForkOfSchema(id);
    if (fork === undefined) throw unknownSchema(id);
    const v = clInput(fork).deserialize(body);
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

/** hash_tree_root of the NPR as its schema family defines it (the guest's `new_payload_request_root`). */
export function statelessNprRoot(npr: StatelessNpr): Uint8Array {
  if (npr.schema === "amsterdam-r0") return NprAmsterdamR0.hashTreeRoot(npr.value);
  if (npr.schema === "amsterdam-r1") return NprAmsterdamR1.hashTreeRoot(npr.value);
  return nprType(npr.npr.fork).hashTreeRoot(npr.npr.value as never);
}

/**
 * SSZ StatelessValidationResult. Revision 1 (0x1501) carries the full ChainConfig; every other schema
 * the 41-byte form `root ‖ flag ‖ chain_id (u64 LE)` of the EEST fixtures.
 */
export function encodeValidationResult(value: StatelessValidationResultValue, schemaId: number): Uint8Array {
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

/** Decodes either result form: 41 bytes is the fixed form, anything else is tried as revision 1. */
export function decodeValidationResult(bytes: Uint8Array): StatelessValidationResultValue {
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
