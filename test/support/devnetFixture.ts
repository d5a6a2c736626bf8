// The zkboost-devnet fixture (one Osaka block of a kurtosis devnet) as a NewPayloadRequest and its
// schema-prefixed StatelessInput, built from the real witness and chain config.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeNprAnyFork, type ForkedNewPayloadRequest } from "../../src/spec/newPayloadRequest.ts";
import { encodeStatelessInput, schemaIdForFork, witnessFromRpcJson } from "../../src/spec/stateless.ts";

const DIR = "/work/shared/fixtures/zkboost-devnet";

export interface DevnetFixture {
  npr: ForkedNewPayloadRequest;
  statelessInput: Uint8Array;
  chainId: number;
}

export function loadDevnetFixture(): DevnetFixture {
  const npr = decodeNprAnyFork(Uint8Array.from(readFileSync(join(DIR, "new_payload_request.ssz"))));
  const witness = witnessFromRpcJson(JSON.parse(readFileSync(join(DIR, "execution_witness.json"), "utf8")));
  const chainId = Number(
    (JSON.parse(readFileSync(join(DIR, "chain_config.json"), "utf8")) as { chainId: number }).chainId,
  );
  const statelessInput = encodeStatelessInput(
    { newPayloadRequest: { schema: "cl", npr }, witness, chainConfig: { chainId }, publicKeys: [] },
    schemaIdForFork(npr.fork),
  );
  return { npr, statelessInput, chainId };
}
