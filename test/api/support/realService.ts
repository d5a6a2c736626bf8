// The real DefaultProofService over a real LevelDB store, with DigestBackend standing in for the
// GPU provers (which cannot run here): reth-sp1 (5) and reth-zisk (6) prove and verify,
// ethrex-zisk (3) only verifies. The witness provider serves the devnet fixture's StatelessInput,
// or fails for roots a test marks as witness-less.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BackendCapabilities, ProvingBackend } from "../../../src/proving/interface.ts";
import { DefaultProofService } from "../../../src/proving/service.ts";
import { proofContainers } from "../../../src/spec/containers.ts";
import { type ForkedNewPayloadRequest, nprRoot } from "../../../src/spec/newPayloadRequest.ts";
import { ProofTypeTable } from "../../../src/spec/proofTypes.ts";
import type { ProofStore } from "../../../src/store/interface.ts";
import { openProofStore } from "../../../src/store/levelStore.ts";
import { systemClock } from "../../../src/util/clock.ts";
import { toHex } from "../../../src/util/hex.ts";
import { silentLogger } from "../../../src/util/logger.ts";
import { loadDevnetFixture } from "../../support/devnetFixture.ts";
import { DigestBackend } from "../../support/digestBackend.ts";

/** DigestBackend that only verifies. */
class VerifyOnly extends DigestBackend {
  override capabilities(): BackendCapabilities {
    return { ...super.capabilities(), prove: [] };
  }
}

export interface RealService {
  service: DefaultProofService;
  store: ProofStore;
  /** Roots (hex) whose witness fetch fails (→ proof_failure witness_unavailable). */
  witnessless: Set<string>;
  /** A gossiped, signed proof for `root` (verified or not), accepted into the service. */
  gossip(
    root: Uint8Array,
    proofType: number,
    validatorIndex: number,
    verified: boolean,
    slot?: number,
  ): Promise<void>;
  cleanup(): Promise<void>;
}

const fixture = loadDevnetFixture();

/** Proof data DigestBackend.verify accepts for `root`. */
export function validProofData(root: Uint8Array): Uint8Array {
  const data = new Uint8Array(64);
  data.fill(7, 0, 32);
  data.set(root, 32);
  return data;
}

/** The fixture NPR with another extra_data: a second, distinct payload. */
export function otherNpr(base: ForkedNewPayloadRequest): ForkedNewPayloadRequest {
  const value = structuredClone(base.value);
  value.executionPayload.extraData = Uint8Array.of(0xee);
  return { fork: base.fork, value };
}

export async function openRealService(): Promise<RealService> {
  const dir = await mkdtemp(join(tmpdir(), "eproof-api-"));
  const store = await openProofStore(dir);
  const witnessless = new Set<string>();
  const backends: ProvingBackend[] = [
    new DigestBackend({ id: "gpu0", proofTypes: [5, 6], kind: "ere", clock: systemClock }),
    new VerifyOnly({ id: "verifier", proofTypes: [3], kind: "ere", clock: systemClock }),
  ];
  const containers = proofContainers();
  const service = new DefaultProofService({
    store,
    backends,
    proofTypes: new ProofTypeTable(),
    containers,
    witnessProvider: async (npr) => {
      if (witnessless.has(toHex(nprRoot(npr)))) throw new Error("debug_executionWitness: block not found");
      return fixture.statelessInput;
    },
    logger: silentLogger(),
    clock: systemClock,
    schedulerOpts: { hedge: false },
  });
  return {
    service,
    store,
    witnessless,
    gossip: (root, proofType, validatorIndex, verified, slot = 0) =>
      service.acceptProof({
        newPayloadRequestRoot: root,
        proofType,
        slot,
        proof: containers.ExecutionProof.serialize({
          proofData: verified ? validProofData(root) : Uint8Array.of(1, 2, 3),
          proofType,
          publicInput: { newPayloadRequestRoot: root },
          beaconBlockRoot: new Uint8Array(32).fill(7),
        }),
        signed: { validatorIndex, signature: new Uint8Array(96) },
        source: "gossip",
        verified,
        receivedAt: Date.now(),
      }),
    cleanup: async () => {
      await service.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
