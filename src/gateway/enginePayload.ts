// Engine API JSON (camelCase, QUANTITY/DATA hex) ↔ the fork's NewPayloadRequest (@lodestar/types).
// Pure: engine_newPayloadV2/V3/V4/V5 params become a Capella/Deneb/Fulu/Gloas NPR whose hash_tree_root is
// the new_payload_request_root; the reverse builds the params a consensus client would send.
// Field mapping per execution-apis paris/shanghai/cancun/prague/amsterdam `ExecutionPayloadV*`.
import { ssz } from "@lodestar/types";
import { type ForkedNewPayloadRequest, type NprFork, nprType } from "../spec/newPayloadRequest.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { fromHex, toHex } from "../util/hex.ts";

/** Thrown for params that break the Engine API schema (answered with -32602). */
export class InvalidEngineParams extends EproofError {
  constructor(message: string) {
    super("BAD_INPUT", message);
    this.name = "InvalidEngineParams";
  }
}

/** Why no NPR could be built from well-formed params (the gateway then falls back, never VALID). */
export class NoNprForPayload extends EproofError {
  constructor(message: string) {
    super("UNKNOWN_FORK", message);
    this.name = "NoNprForPayload";
  }
}

type FieldKind = "data" | "quantity";
interface FieldMap {
  engine: string;
  eth2: string;
  kind: FieldKind;
}

const f = (engine: string, eth2: string, kind: FieldKind): FieldMap => ({ engine, eth2, kind });

const PAYLOAD_V1: readonly FieldMap[] = [
  f("parentHash", "parent_hash", "data"),
  f("feeRecipient", "fee_recipient", "data"),
  f("stateRoot", "state_root", "data"),
  f("receiptsRoot", "receipts_root", "data"),
  f("logsBloom", "logs_bloom", "data"),
  f("prevRandao", "prev_randao", "data"),
  f("blockNumber", "block_number", "quantity"),
  f("gasLimit", "gas_limit", "quantity"),
  f("gasUsed", "gas_used", "quantity"),
  f("timestamp", "timestamp", "quantity"),
  f("extraData", "extra_data", "data"),
  f("baseFeePerGas", "base_fee_per_gas", "quantity"),
  f("blockHash", "block_hash", "data"),
];
const PAYLOAD_V3_EXTRA: readonly FieldMap[] = [
  f("blobGasUsed", "blob_gas_used", "quantity"),
  f("excessBlobGas", "excess_blob_gas", "quantity"),
];
const PAYLOAD_V4_EXTRA: readonly FieldMap[] = [
  f("blockAccessList", "block_access_list", "data"),
  f("slotNumber", "slot_number", "quantity"),
];
const WITHDRAWAL: readonly FieldMap[] = [
  f("index", "index", "quantity"),
  f("validatorIndex", "validator_index", "quantity"),
  f("address", "address", "data"),
  f("amount", "amount", "quantity"),
];

/** Engine API request types (EIP-7685) in the order the execution requests list must keep. */
const REQUEST_TYPES = [
  { type: 0x00, key: "deposits", codec: ssz.electra.DepositRequests },
  { type: 0x01, key: "withdrawals", codec: ssz.electra.WithdrawalRequests },
  { type: 0x02, key: "consolidations", codec: ssz.electra.ConsolidationRequests },
] as const;

export const NEW_PAYLOAD_FORK: Readonly<Record<number, NprFork | undefined>> = {
  1: undefined, // Bellatrix: no NewPayloadRequest in @lodestar/types
  2: "capella", // Shanghai payloads (with withdrawals); a V1-shaped payload sent as V2 has none
  3: "deneb",
  4: "fulu", // Electra and Fulu share one NewPayloadRequest type; decodeNprAnyFork says "fulu" too
  5: "gloas",
};

const PARAM_COUNT: Readonly<Record<number, number>> = { 1: 1, 2: 1, 3: 3, 4: 4, 5: 4 };

/** The version of an engine_newPayloadV<n> method name, or undefined for other methods. */
export function newPayloadVersion(method: string): number | undefined {
  const m = /^engine_newPayloadV([1-9])$/.exec(method);
  return m ? Number(m[1]) : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function quantityToDecimal(v: unknown, name: string): string {
  if (typeof v !== "string" || !/^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/.test(v)) {
    throw new InvalidEngineParams(`${name} must be a QUANTITY (0x-hex without leading zeros)`);
  }
  return BigInt(v).toString(10);
}

function decimalToQuantity(v: unknown): string {
  return `0x${BigInt(String(v)).toString(16)}`;
}

function dataField(v: unknown, name: string): string {
  if (typeof v !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(v)) {
    throw new InvalidEngineParams(`${name} must be DATA (0x-prefixed even-length hex)`);
  }
  return v.toLowerCase();
}

function mapFields(
  src: Record<string, unknown>,
  fields: readonly FieldMap[],
  where: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const fm of fields) {
    const v = src[fm.engine];
    if (v === undefined) throw new InvalidEngineParams(`${where}.${fm.engine} is missing`);
    out[fm.eth2] =
      fm.kind === "quantity"
        ? quantityToDecimal(v, `${where}.${fm.engine}`)
        : dataField(v, `${where}.${fm.engine}`);
  }
  return out;
}

function payloadFields(version: number): FieldMap[] {
  const fields = [...PAYLOAD_V1];
  if (version >= 3) fields.push(...PAYLOAD_V3_EXTRA);
  if (version >= 5) fields.push(...PAYLOAD_V4_EXTRA);
  return fields;
}

/** Engine `ExecutionPayloadV*` JSON → the eth2 (snake_case, decimal) JSON @lodestar/types reads. */
function payloadToEth2Json(payload: unknown, version: number): Record<string, unknown> {
  if (!isObject(payload)) throw new InvalidEngineParams("executionPayload must be an object");
  const out = mapFields(payload, payloadFields(version), "executionPayload");
  const txs = payload.transactions;
  if (!Array.isArray(txs)) throw new InvalidEngineParams("executionPayload.transactions must be an array");
  out.transactions = txs.map((t, i) => dataField(t, `executionPayload.transactions[${i}]`));
  if (version >= 2) {
    const ws = payload.withdrawals;
    if (!Array.isArray(ws)) throw new InvalidEngineParams("executionPayload.withdrawals must be an array");
    out.withdrawals = ws.map((w, i) => {
      if (!isObject(w)) throw new InvalidEngineParams(`executionPayload.withdrawals[${i}] must be an object`);
      return mapFields(w, WITHDRAWAL, `executionPayload.withdrawals[${i}]`);
    });
  }
  return out;
}

/** `executionRequests`: DATA items `type ‖ ssz(list)`, types strictly ascending, none empty. */
function decodeExecutionRequests(v: unknown): Record<string, unknown> {
  if (!Array.isArray(v)) throw new InvalidEngineParams("executionRequests must be an array");
  const out: Record<string, unknown> = { deposits: [], withdrawals: [], consolidations: [] };
  let last = -1;
  v.forEach((item, i) => {
    const bytes = fromHex(dataField(item, `executionRequests[${i}]`));
    if (bytes.length < 2) throw new InvalidEngineParams(`executionRequests[${i}] has no request data`);
    const type = bytes[0] ?? 0;
    if (type <= last) throw new InvalidEngineParams("executionRequests types must be strictly ascending");
    last = type;
    const known = REQUEST_TYPES.find((r) => r.type === type);
    if (!known)
      throw new NoNprForPayload(`execution request type ${type} has no NewPayloadRequest field here`);
    try {
      out[known.key] = known.codec.toJson(known.codec.deserialize(bytes.subarray(1)) as never);
    } catch (e) {
      throw new InvalidEngineParams(
        `executionRequests[${i}] is no SSZ ${known.key} list: ${errorMessage(e)}`,
      );
    }
  });
  return out;
}

/**
 * Builds the NewPayloadRequest of engine_newPayloadV<version> params. Throws InvalidEngineParams
 * for malformed params and NoNprForPayload when no NPR exists (V1, and V2 without withdrawals).
 */
export function nprFromEngineParams(version: number, params: unknown): ForkedNewPayloadRequest {
  const count = PARAM_COUNT[version];
  if (count === undefined) throw new InvalidEngineParams(`engine_newPayloadV${version} is not defined`);
  if (!Array.isArray(params) || params.length !== count) {
    throw new InvalidEngineParams(`engine_newPayloadV${version} takes ${count} params`);
  }
  // engine_newPayloadV2 takes ExecutionPayloadV1 (pre-Shanghai) or V2 (with withdrawals).
  const v1Shaped = version === 2 && isObject(params[0]) && params[0].withdrawals === undefined;
  const fork = v1Shaped ? undefined : NEW_PAYLOAD_FORK[version];
  // Validate even when no NPR exists, so malformed V1/V2 params are still -32602.
  const payload = payloadToEth2Json(params[0], v1Shaped ? 1 : version);
  if (version === 2 && isObject(params[0]) && params[0].blobGasUsed !== undefined) {
    throw new InvalidEngineParams(
      "engine_newPayloadV2 payloads carry no blobGasUsed (use engine_newPayloadV3)",
    );
  }
  if (!fork)
    throw new NoNprForPayload(
      `engine_newPayloadV${version} payloads without withdrawals have no NewPayloadRequest`,
    );
  if (fork === "capella") {
    try {
      return {
        fork,
        value: nprType(fork).fromJson({ execution_payload: payload }) as ForkedNewPayloadRequest["value"],
      };
    } catch (e) {
      throw new InvalidEngineParams(`params do not form a capella NewPayloadRequest: ${errorMessage(e)}`);
    }
  }

  const hashes = params[1];
  if (!Array.isArray(hashes)) throw new InvalidEngineParams("expectedBlobVersionedHashes must be an array");
  const json: Record<string, unknown> = {
    execution_payload: payload,
    versioned_hashes: hashes.map((h, i) => dataField(h, `expectedBlobVersionedHashes[${i}]`)),
    parent_beacon_block_root: dataField(params[2], "parentBeaconBlockRoot"),
  };
  const requests = version >= 4 ? decodeExecutionRequests(params[3]) : undefined;
  const type = nprType(fork);
  let value: ForkedNewPayloadRequest["value"];
  try {
    if (requests) {
      // Gloas adds builder request lists that the Engine API does not carry: they stay empty.
      const empty = type.toJson(type.defaultValue() as never) as Record<string, unknown>;
      json.execution_requests = { ...(empty.execution_requests as Record<string, unknown>), ...requests };
    }
    value = type.fromJson(json) as ForkedNewPayloadRequest["value"];
  } catch (e) {
    throw new InvalidEngineParams(`params do not form a ${fork} NewPayloadRequest: ${errorMessage(e)}`);
  }
  return { fork, value };
}

/** The engine_newPayload method and params a consensus client sends for `npr` (tests, benchmarks). */
export function engineParamsFromNpr(npr: ForkedNewPayloadRequest): { method: string; params: unknown[] } {
  const version = npr.fork === "capella" ? 2 : npr.fork === "deneb" ? 3 : npr.fork === "gloas" ? 5 : 4;
  const json = nprType(npr.fork).toJson(npr.value as never) as Record<string, unknown>;
  const p = json.execution_payload as Record<string, unknown>;
  const payload: Record<string, unknown> = {};
  for (const fm of payloadFields(version)) {
    payload[fm.engine] = fm.kind === "quantity" ? decimalToQuantity(p[fm.eth2]) : p[fm.eth2];
  }
  payload.transactions = p.transactions;
  payload.withdrawals = (p.withdrawals as Record<string, unknown>[]).map((w) => {
    const out: Record<string, unknown> = {};
    for (const fm of WITHDRAWAL)
      out[fm.engine] = fm.kind === "quantity" ? decimalToQuantity(w[fm.eth2]) : w[fm.eth2];
    return out;
  });
  if (version === 2) return { method: "engine_newPayloadV2", params: [payload] };
  const params: unknown[] = [payload, json.versioned_hashes, json.parent_beacon_block_root];
  if (version >= 4) {
    const value = npr.value as { executionRequests: Record<string, unknown> };
    const items: string[] = [];
    for (const r of REQUEST_TYPES) {
      const list = value.executionRequests[r.key];
      const encoded = r.codec.serialize(list as never);
      if (encoded.length > 0) items.push(toHex(Uint8Array.of(r.type, ...encoded)));
    }
    params.push(items);
  }
  return { method: `engine_newPayloadV${version}`, params };
}
