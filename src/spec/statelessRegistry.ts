// Registers the execution-layer SSZ types (schema-prefixed StatelessInput, StatelessValidationResult)
// with the named-type registry used by `eproof ssz`.
import { toHex } from "../util/hex.ts";
import { nprType } from "./newPayloadRequest.ts";
import { registerSszType } from "./registry.ts";
import {
  type ChainConfigValue,
  decodeStatelessInput,
  decodeValidationResult,
  encodeStatelessInput,
  encodeValidationResult,
  type StatelessNpr,
  statelessNprRoot,
} from "./stateless.ts";

function chainConfigJson(c: ChainConfigValue): Record<string, unknown> {
  return { chain_id: c.chainId, ...(c.activation ? { activation: c.activation } : {}) };
}

function nprJson(npr: StatelessNpr): unknown {
  if (npr.schema === "cl")
    return { fork: npr.npr.fork, value: nprType(npr.npr.fork).toJson(npr.npr.value as never) };
  return { schema: npr.schema, new_payload_request_root: toHex(statelessNprRoot(npr)) };
}

registerSszType("StatelessInput", {
  forked: false,
  decode(bytes) {
    const { schemaId, value } = decodeStatelessInput(bytes);
    const nprRoot = statelessNprRoot(value.newPayloadRequest);
    return {
      // The guest commits to the NPR root: that is the root a StatelessInput is known by.
      root: nprRoot,
      json: {
        schema_id: `0x${schemaId.toString(16).padStart(4, "0")}`,
        new_payload_request_root: toHex(nprRoot),
        new_payload_request: nprJson(value.newPayloadRequest),
        witness: {
          state: value.witness.state.map(toHex),
          codes: value.witness.codes.map(toHex),
          headers: value.witness.headers.map(toHex),
        },
        chain_config: chainConfigJson(value.chainConfig),
        public_keys: value.publicKeys.map(toHex),
      },
      reencoded: encodeStatelessInput(value, schemaId),
    };
  },
});

registerSszType("StatelessValidationResult", {
  forked: false,
  decode(bytes) {
    const value = decodeValidationResult(bytes);
    // The 41-byte form is what every schema but Amsterdam revision 1 writes.
    const schemaId = bytes.length === 41 ? 0x1400 : 0x1501;
    return {
      root: value.newPayloadRequestRoot,
      json: {
        new_payload_request_root: toHex(value.newPayloadRequestRoot),
        successful_validation: value.successfulValidation,
        chain_config: chainConfigJson(value.chainConfig),
      },
      reencoded: encodeValidationResult(value, schemaId),
    };
  },
});
