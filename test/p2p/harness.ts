// Test network harness: real libp2p nodes on 127.0.0.1 with in-test stand-ins for the beacon node's
// validator set, the proof service and the store (maps), and real BLS keys from fixed seeds.
import { SecretKey } from "@chainsafe/blst";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { gossipsubOptions } from "../../src/p2p/gossip/gossipsubConfig.ts";
import type {
  GossipIgnoreReason,
  GossipRejectReason,
  P2pMetrics,
  P2pModules,
  P2pOpts,
  P2pService,
  ReqRespMethod,
} from "../../src/p2p/interface.ts";
import { createLibp2pNode, type EproofLibp2p } from "../../src/p2p/node.ts";
import { createP2p } from "../../src/p2p/service.ts";
import { signRoot } from "../../src/signing/bls.ts";
import { executionProofSigningRoot } from "../../src/signing/domain.ts";
import {
  type ExecutionProof,
  type ProofContainers,
  proofContainers,
  type SignedExecutionProof,
} from "../../src/spec/containers.ts";
import { getProfile, type SpecProfile } from "../../src/spec/profile.ts";
import type { PayloadRecord, StoredProof } from "../../src/store/interface.ts";
import { systemClock } from "../../src/util/clock.ts";
import { toHex } from "../../src/util/hex.ts";
import { silentLogger } from "../../src/util/logger.ts";

/**
 * A small proof size bound keeps the oversize test cheap. TEST_PROFILE is the proof form with
 * req/resp (consensus-specs 2026-08); ENVELOPE_PROFILE the default v1.7 envelope form.
 */
export const TEST_PROFILE: SpecProfile = {
  ...getProfile("consensus-specs-2026-08"),
  name: "test-64k",
  maxProofSize: 64 * 1024,
};
export const containers: ProofContainers = proofContainers(TEST_PROFILE);
export const ENVELOPE_PROFILE: SpecProfile = {
  ...getProfile("consensus-specs-v1.7.0-beta.4"),
  name: "test-envelope-64k",
  maxProofSize: 64 * 1024,
};
export const envelopeContainers: ProofContainers = proofContainers(ENVELOPE_PROFILE);
export const FORK_DIGEST = Uint8Array.of(0xe8, 0x02, 0x50, 0x25);
export const DOMAIN = new Uint8Array(32).fill(7);
/** proof_data starting with this byte fails verify_execution_proof in the test proof service. */
export const INVALID_PROOF_MARK = 0xee;

export function secretKey(i: number): SecretKey {
  return SecretKey.fromKeygen(new Uint8Array(32).fill(i + 1));
}

export interface TestValidator {
  sk: SecretKey;
  pubkey: Uint8Array;
  active: boolean;
}

/** Validators 0..n-1; the last one is inactive. */
export function makeValidators(n: number): Map<number, TestValidator> {
  const out = new Map<number, TestValidator>();
  for (let i = 0; i < n; i++) {
    const sk = secretKey(i);
    out.set(i, { sk, pubkey: sk.toPublicKey().toBytes(), active: i !== n - 1 });
  }
  return out;
}

export function root(i: number): Uint8Array {
  return new Uint8Array(32).fill(i);
}

export function signProof(
  validators: Map<number, TestValidator>,
  validatorIndex: number,
  message: ExecutionProof,
  signWith = validatorIndex,
  c: ProofContainers = containers,
): SignedExecutionProof {
  const v = validators.get(signWith);
  if (!v) throw new Error(`no validator ${signWith}`);
  const signingRoot = executionProofSigningRoot(message, DOMAIN, c);
  return { message, validatorIndex, signature: signRoot(v.sk, signingRoot) };
}

export function proof(
  nprRoot: Uint8Array,
  proofType: number,
  data: Uint8Array,
  blockRoot?: Uint8Array,
): ExecutionProof {
  return {
    proofData: data,
    proofType,
    publicInput: { newPayloadRequestRoot: nprRoot },
    beaconBlockRoot: blockRoot,
  };
}

export class CountingMetrics implements P2pMetrics {
  received = 0;
  accepted = 0;
  ignored = new Map<GossipIgnoreReason, number>();
  rejected = new Map<GossipRejectReason, number>();
  served = new Map<ReqRespMethod, number>();
  recordGossipReceived(): void {
    this.received++;
  }
  recordGossipAccepted(): void {
    this.accepted++;
  }
  recordGossipIgnored(reason: GossipIgnoreReason): void {
    this.ignored.set(reason, (this.ignored.get(reason) ?? 0) + 1);
  }
  recordGossipRejected(reason: GossipRejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }
  recordGossipValidationMs(): void {}
  recordPeers(): void {}
  recordReqRespServed(method: ReqRespMethod): void {
    this.served.set(method, (this.served.get(method) ?? 0) + 1);
  }
  recordReqRespError(): void {}
}

/** In-memory store + proof service for one test node (the real ones live in other folders). */
export class MemoryProofs {
  readonly payloads = new Map<string, PayloadRecord>();
  readonly proofs = new Map<string, StoredProof>();
  /** block root hex → payload record (a map lookup, as the real proof service does). */
  private readonly byBlock = new Map<string, PayloadRecord>();

  addPayload(nprRoot: Uint8Array, slot: number, blockRoot: Uint8Array): void {
    const record: PayloadRecord = {
      newPayloadRequestRoot: nprRoot,
      slot,
      blockRoot,
      blockHash: blockRoot,
      fork: "fulu",
      npr: new Uint8Array(0),
      seenAt: Date.now(),
    };
    this.payloads.set(toHex(nprRoot), record);
    this.byBlock.set(toHex(blockRoot), record);
  }
  isKnownPayload(r: Uint8Array): boolean {
    return this.payloads.has(toHex(r));
  }
  payloadRootOfBlock(b: Uint8Array): Uint8Array | undefined {
    return this.byBlock.get(toHex(b))?.newPayloadRequestRoot;
  }
  async verifyProof(_r: Uint8Array, _t: number, data: Uint8Array) {
    return { valid: data[0] !== INVALID_PROOF_MARK, ms: 0 };
  }
  async acceptProof(p: StoredProof): Promise<void> {
    this.proofs.set(`${toHex(p.newPayloadRequestRoot)}:${p.proofType}`, p);
  }
  async getPayload(r: Uint8Array) {
    return this.payloads.get(toHex(r));
  }
  async payloadByBlockRoot(b: Uint8Array) {
    return this.byBlock.get(toHex(b));
  }
  async proofsByRoot(r: Uint8Array) {
    return [...this.proofs.values()].filter((p) => toHex(p.newPayloadRequestRoot) === toHex(r));
  }
  async proofsBySlotRange(start: number, count: number, types?: readonly number[]) {
    return [...this.proofs.values()]
      .filter((p) => p.slot >= start && p.slot < start + count)
      .filter((p) => !types || types.length === 0 || types.includes(p.proofType))
      .sort((a, b) => a.slot - b.slot);
  }
}

export interface TestNode {
  p2p: P2pService;
  metrics: CountingMetrics;
  mem: MemoryProofs;
  accepted: SignedExecutionProof[];
}

export async function startNode(
  validators: Map<number, TestValidator>,
  opts: Partial<P2pOpts> = {},
  c: ProofContainers = containers,
  extra: Partial<P2pModules> = {},
): Promise<TestNode> {
  const metrics = new CountingMetrics();
  const mem = new MemoryProofs();
  const modules: P2pModules = {
    logger: silentLogger(),
    metrics,
    clock: systemClock,
    containers: c,
    validators: {
      getValidator: async (i) => {
        const v = validators.get(i);
        return v ? { pubkey: v.pubkey, active: v.active } : undefined;
      },
    },
    forkDigest: { current: () => FORK_DIGEST, all: () => [FORK_DIGEST], onChange: () => () => undefined },
    domain: { currentDomain: () => DOMAIN },
    proofs: mem,
    store: mem,
    chain: {
      finalizedSlot: () => 0,
      currentSlot: () => 1000,
      head: () => ({ blockRoot: root(0), slot: 1000 }),
    },
    proofTypes: [],
    ...extra,
  };
  const p2p = await createP2p({ listen: ["/ip4/127.0.0.1/tcp/0"], blsBatchWaitMs: 1, ...opts }, modules);
  const accepted: SignedExecutionProof[] = [];
  p2p.onProofAccepted((e) => accepted.push(e.signed));
  await p2p.start();
  return { p2p, metrics, mem, accepted };
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, stepMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A raw gossipsub peer on `topic` that publishes bytes exactly as given (no snappy, no validation). */
export async function startHostile(topic: string, maxSignedProofBytes: number): Promise<EproofLibp2p> {
  const opts = gossipsubOptions({
    maxSignedProofBytes,
    marks: new WeakSet(),
    ipColocationWhitelist: ["127.0.0.1"],
    topics: [topic],
  });
  const node = await createLibp2pNode({
    privateKey: await generateKeyPair("secp256k1"),
    listen: ["/ip4/127.0.0.1/tcp/0"],
    announce: [],
    maxConnections: 10,
    gossipsub: { ...opts, dataTransform: undefined, msgIdFn: undefined, emitSelf: false },
  });
  await node.start();
  node.services.pubsub.subscribe(topic);
  return node;
}
