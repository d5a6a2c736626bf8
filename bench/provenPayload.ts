// Shared by the gateway benches: a real proof service on a temp store holding one verified proof of
// the zkboost-devnet payload, so newPayload for it is answered from proofs.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DefaultProofService } from "../src/proving/service.ts";
import { type ProofContainers, proofContainers } from "../src/spec/containers.ts";
import { decodeNprAnyFork, type ForkedNewPayloadRequest, nprRoot } from "../src/spec/newPayloadRequest.ts";
import { ProofTypeTable } from "../src/spec/proofTypes.ts";
import type { ProofStore } from "../src/store/interface.ts";
import { openProofStore } from "../src/store/levelStore.ts";
import { systemClock } from "../src/util/clock.ts";
import { silentLogger } from "../src/util/logger.ts";
import { readFixture } from "../test/support/fixtures.ts";

export interface ProvenPayload {
  service: DefaultProofService;
  store: ProofStore;
  containers: ProofContainers;
  npr: ForkedNewPayloadRequest;
  root: Uint8Array;
  close(): Promise<void>;
}

export async function provenPayload(name: string, proofType: number): Promise<ProvenPayload> {
  const dir = await mkdtemp(join(tmpdir(), `eproof-bench-${name}-`));
  const store = await openProofStore(dir);
  const containers = proofContainers();
  const service = new DefaultProofService({
    store,
    backends: [],
    proofTypes: new ProofTypeTable(),
    containers,
    witnessProvider: async () => {
      throw new Error("no proving in this benchmark");
    },
    logger: silentLogger(),
    clock: systemClock,
  });
  const npr = decodeNprAnyFork(readFixture("zkboost-devnet/new_payload_request.ssz"));
  const root = nprRoot(npr);
  await service.acceptProof({
    newPayloadRequestRoot: root,
    proofType,
    slot: 1,
    proof: containers.ExecutionProof.serialize({
      proofData: new Uint8Array(256).fill(1),
      proofType,
      publicInput: { newPayloadRequestRoot: root },
      beaconBlockRoot: new Uint8Array(32).fill(2),
    }),
    source: "gossip",
    verified: true,
    receivedAt: Date.now(),
  });
  return {
    service,
    store,
    containers,
    npr,
    root,
    close: async () => {
      await service.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
