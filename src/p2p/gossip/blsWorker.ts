// Worker-thread side of BlsBatchVerifier: receives batches of signature sets, answers verdicts.
import { parentPort } from "node:worker_threads";
import type { SignatureSet } from "../../signing/bls.ts";
import { SignatureSetVerifier } from "./signatureSets.ts";

export interface BlsWorkerRequest {
  id: number;
  sets: SignatureSet[];
}

export interface BlsWorkerResponse {
  id: number;
  verdicts: boolean[];
}

const port = parentPort;
if (port) {
  const verifier = new SignatureSetVerifier();
  port.on("message", (req: BlsWorkerRequest) => {
    port.postMessage({ id: req.id, verdicts: verifier.verifyAll(req.sets) } satisfies BlsWorkerResponse);
  });
}
