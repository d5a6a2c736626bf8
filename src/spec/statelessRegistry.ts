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
  isMalformedInputResult43,
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
    const { schemaId, value, revision } = decodeStatelessInput(bytes);
    const nprRoot = statelessNprRoot(value.newPayloadRequest);
    return {
      // The guest commits to the NPR root: that is the root a StatelessInput is known by.
      root: nprRoot,
      json: {
        schema_id: `0x${schemaId.toString(16).padStart(4, "0")}`,
        ...(revision ? { revision } : {}),
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
      reencoded: encodeStatelessInput(value, schemaId, revision),
    };
  },
});

registerSszType("StatelessValidationResult", {
  forked: false,
  decode(bytes) {
    const value = decodeValidationResult(bytes);
    // By length: 41 bytes is every schema but 0x1501, 43 bytes 0x1501 in v0.8.4 / v21.0.1 (both write
    // the same result), anything else 0x1501 in its 2026-08 form.
    const is43 = bytes.length === 43;
    const schemaId = bytes.length === 41 ? 0x1400 : 0x1501;
    return {
      root: value.newPayloadRequestRoot,
      json: {
        new_payload_request_root: toHex(value.newPayloadRequestRoot),
        successful_validation: value.successfulValidation,
        ...(is43
          ? {
              chain_id: value.chainConfig.chainId,
              schema_id: `0x${(value.schemaId ?? 0).toString(16).padStart(4, "0")}`,
              malformed_input: isMalformedInputResult43(bytes),
            }
          : { chain_config: chainConfigJson(value.chainConfig) }),
      },
      reencoded: encodeValidationResult(value, schemaId, is43 ? "v0.8.4" : undefined),
    };
  },
});
