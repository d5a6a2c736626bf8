// ere backend client overhead: one prove round trip (protobuf encode, HTTP on loopback, decode,
// public-values check) against the Twirp test server with zero proving delay, and codec cost for a
// ZisK-sized (300 KB) proof.
import { EreBackend } from "../src/proving/backends/ere.ts";
import { expectedPublicValues } from "../src/proving/backends/ereGuestIo.ts";
import { decodeProveResponse, encodeProveResponse } from "../src/proving/backends/ereProtocol.ts";
import { EreTestServer } from "../test/support/ereServer.ts";
import { type BenchFigure, medianMs } from "./figure.ts";

export async function run(): Promise<BenchFigure[]> {
  const root = new Uint8Array(32).fill(7);
  const pv = new Uint8Array(256);
  pv.set(expectedPublicValues("ssz_result", root, 1n));
  const server = new EreTestServer({ publicValuesFor: () => pv });
  const url = await server.listen();
  const backend = new EreBackend({ url, proofType: 6, chainId: 1n });
  const input = new Uint8Array(2 * 1024 * 1024).fill(3);
  try {
    const roundTrip = await medianMs(
      () => backend.prove({ proofType: 6, statelessInput: input, newPayloadRequestRoot: root }),
      15,
      3,
    );
    const proof = new Uint8Array(300 * 1024).fill(9);
    const encoded = encodeProveResponse({ ok: { publicValues: pv, proof, report: new Uint8Array(64) } });
    const codec = await medianMs(() => decodeProveResponse(encoded), 51, 5);
    return [
      { name: "ere.prove_round_trip_2MiB_input_ms", value: roundTrip, unit: "ms" },
      { name: "ere.decode_300KB_prove_response_ms", value: codec, unit: "ms" },
    ];
  } finally {
    await backend.close();
    await server.close();
  }
}
