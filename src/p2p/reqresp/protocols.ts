// Req/resp protocol ids, response codes and request limits (phase0 req/resp, EIP-8025 messages).

import { MAX_REQUEST_BLOCKS_DENEB } from "../../spec/containers.ts";
import { MAX_EXECUTION_PROOFS_PER_PAYLOAD } from "../../spec/profile.ts";
import type { ReqRespMethod } from "../interface.ts";

export const PROTOCOL_PREFIX = "/eth2/beacon_chain/req";

export function protocolId(method: ReqRespMethod): string {
  return `${PROTOCOL_PREFIX}/${method}/1/ssz_snappy`;
}

export const RESP_SUCCESS = 0;
export const RESP_INVALID_REQUEST = 1;
export const RESP_SERVER_ERROR = 2;
export const RESP_RESOURCE_UNAVAILABLE = 3;
export type ResponseCode = 0 | 1 | 2 | 3;

/** ErrorMessage = List[byte, 256]. */
export const MAX_ERROR_MESSAGE_BYTES = 256;

/** count × proofs-per-payload must stay ≤ MAX_REQUEST_BLOCKS_DENEB × MAX_EXECUTION_PROOFS_PER_PAYLOAD. */
export const MAX_RANGE_COUNT = MAX_REQUEST_BLOCKS_DENEB;
export const MAX_RESPONSE_PROOFS = MAX_REQUEST_BLOCKS_DENEB * MAX_EXECUTION_PROOFS_PER_PAYLOAD;

/** Largest SSZ request per method: by-root is a list of ≤128 (root + ≤4 types) items. */
export const MAX_REQUEST_BYTES =
  4 + MAX_REQUEST_BLOCKS_DENEB * (4 + 32 + 4 + MAX_EXECUTION_PROOFS_PER_PAYLOAD);

export class ReqRespError extends Error {
  readonly code: ResponseCode;
  constructor(code: ResponseCode, message: string) {
    super(message);
    this.name = "ReqRespError";
    this.code = code;
  }
}
