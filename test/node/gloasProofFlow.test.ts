// Gloas end to end under today's wire (consensus-specs v1.7.0-beta.4 profile): a Gloas block and its
// payload envelope on the beacon test server → ChainFollower → the execution-layer root the guests
// commit to → StatelessInput (byte-identical to tests-zkevm v0.8.4's) → ere-server test double whose
// "guest" writes the 43-byte StatelessValidationResult → signed SignedExecutionProofEnvelope → a
// second node's gossip validation, which verifies it and rebuilds PublicInput with the same root.
//
// The fixture block is one EEST marks invalid (its real output says successful_validation = 0); the
// double's guest reports it valid so that a proof exists to carry. The root is the fixture's own.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ByteListType } from "@chainsafe/ssz";
import { ssz } from "@lodestar/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChainFollower } from "../../src/beacon/chainFollower.ts";
import { HttpBeaconClient } from "../../src/beacon/httpBeaconClient.ts";
import type { ChainEvent, LastSlotStore, PayloadEvent } from "../../src/beacon/interface.ts";
import type { ChainConfigSource, WitnessSource } from "../../src/execution/interface.ts";
import { StatelessInputBuilder } from "../../src/execution/statelessInput.ts";
import { BlsBatchVerifier } from "../../src/p2p/gossip/blsBatch.ts";
import { decodeSignedProof, ProofGossipValidator } from "../../src/p2p/gossip/validation.ts";
import { defaultP2pOpts } from "../../src/p2p/interface.ts";
import { EreBackend } from "../../src/proving/backends/ere.ts";
import type { PayloadMeta } from "../../src/proving/interface.ts";
import { DefaultProofService } from "../../src/proving/service.ts";
import { DoubleSignGuard, ProofSigner } from "../../src/signing/index.ts";
import { interopSecretKey } from "../../src/signing/interopKeys.ts";
import { decodeStoredProof, envelopeTypes, isResolved, proofContainers } from "../../src/spec/containers.ts";
import { type ForkedNewPayloadRequest, nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { payloadRequestRoot } from "../../src/spec/payloadRoot.ts";
import { getProfile } from "../../src/spec/profile.ts";
import { DEFAULT_PROOF_TYPES, ProofTypeTable } from "../../src/spec/proofTypes.ts";
import {
  decodeResult43,
  decodeStatelessInput,
  encodeResult43,
  gloasNprFromExecution,
  SCHEMA_AMSTERDAM_R1,
  statelessNprRoot,
} from "../../src/spec/stateless.ts";
import { parseBlockchainTests } from "../../src/stateless/blockchainTest.ts";
import { gethConfigForTestNetwork } from "../../src/stateless/common.ts";
import type { ProofStore } from "../../src/store/interface.ts";
import { openProofStore } from "../../src/store/levelStore.ts";
import { systemClock } from "../../src/util/clock.ts";
import { fromHex, toHex } from "../../src/util/hex.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { BeaconTestServer } from "../beacon/beaconTestServer.ts";
import { EreTestServer } from "../support/ereServer.ts";

const FILE = new URL(
  "../../../shared/fixtures/interop/tests-zkevm-v0.8.4/eip6110_invalid_deposit_layout.json",
  import.meta.url,
).pathname;
const STATED_ROOT = "0xda0926e5c936988bfbbbc293a2aa9ae2bd90203a70498bf223584e6cc8e4fd4d";
const ETHREX_ZISK = 3;
const SLOT = 12;

const profile = getProfile(); // consensus-specs-v1.7.0-beta.4
const containers = proofContainers(profile);
const [entry] = parseBlockchainTests(JSON.parse(readFileSync(FILE, "utf8")), FILE);
if (!entry) throw new Error(`${FILE}: no test`);
const test = entry[1];
const fixtureBlock = test.blocks[0];
const fixtureInput = fromHex(fixtureBlock?.statelessInputBytes ?? "0x");
const fixtureOutput = fromHex(fixtureBlock?.statelessOutputBytes ?? "0x");
const decoded = decodeStatelessInput(fixtureInput, "v0.8.4").value;
if (decoded.newPayloadRequest.schema !== "amsterdam-r1") throw new Error("not an Amsterdam input");
const gloasNpr = gloasNprFromExecution(decoded.newPayloadRequest.value);
const chainId = BigInt(Number(test.config?.chainid ?? "0x1"));

/** A Gloas block committing (through its bid) to the fixture payload, and that payload's envelope. */
function gloasBlockAndEnvelope() {
  const block = ssz.gloas.SignedBeaconBlock.defaultValue();
  block.message.slot = SLOT;
  block.message.parentRoot = gloasNpr.parentBeaconBlockRoot;
  const bid = block.message.body.signedExecutionPayloadBid.message;
  bid.blockHash = gloasNpr.executionPayload.blockHash;
  bid.blobKzgCommitments = []; // the fixture's payload carries no blobs (asserted below)
  const envelope = ssz.gloas.SignedExecutionPayloadEnvelope.defaultValue();
  envelope.message.beaconBlockRoot = ssz.gloas.BeaconBlock.hashTreeRoot(block.message);
  envelope.message.payload = gloasNpr.executionPayload;
  envelope.message.executionRequests = gloasNpr.executionRequests;
  return { block, envelope };
}

class MemorySlotStore implements LastSlotStore {
  slot: number | undefined;
  async load() {
    return this.slot;
  }
  async save(slot: number) {
    this.slot = slot;
  }
}

async function until<T>(get: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("Gloas end to end on the v1.7 wire", () => {
  const beaconServer = new BeaconTestServer();
  const ere = new EreTestServer({
    // The double's guest: decode the input it was given and commit to that input's NPR root.
    publicValuesFor: (input) => {
      const { value } = decodeStatelessInput(input.inputStdin);
      return encodeResult43({
        newPayloadRequestRoot: statelessNprRoot(value.newPayloadRequest),
        successfulValidation: true,
        chainId: BigInt(value.chainConfig.chainId),
        schemaId: SCHEMA_AMSTERDAM_R1,
      });
    },
  });
  const dirs: string[] = [];
  const stores: ProofStore[] = [];
  const closers: Array<() => Promise<void> | void> = [];
  let ereUrl = "";

  beforeAll(async () => {
    await beaconServer.start();
    ereUrl = await ere.listen();
  });

  afterAll(async () => {
    for (const c of closers.reverse()) await c();
    for (const s of stores) await s.close();
    await ere.close();
    await beaconServer.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const tmp = (name: string) => {
    const d = mkdtempSync(join(tmpdir(), `eproof-gloas-${name}-`));
    dirs.push(d);
    return d;
  };

  async function proofService(
    name: string,
    witnessProvider?: (npr: ForkedNewPayloadRequest) => Promise<Uint8Array>,
  ) {
    const store = await openProofStore(join(tmp(name), "store"));
    stores.push(store);
    const backend = new EreBackend({ url: ereUrl, proofType: ETHREX_ZISK, chainId, profile });
    closers.push(() => backend.close());
    return {
      store,
      create: (onProofReady?: ConstructorParameters<typeof DefaultProofService>[0]["onProofReady"]) => {
        const service = new DefaultProofService({
          store,
          backends: [backend],
          proofTypes: new ProofTypeTable(DEFAULT_PROOF_TYPES),
          containers,
          witnessProvider: async (npr) => {
            if (!witnessProvider) throw new Error(`${name} does not prove`);
            return witnessProvider(npr);
          },
          onProofReady,
          logger: silentLogger(),
          clock: systemClock,
          schedulerOpts: { deadlineMs: 60_000 },
          chainId,
        });
        closers.push(() => service.close());
        return service;
      },
    };
  }

  it("proves a Gloas payload and a receiving node verifies the envelope with the guests' root", async () => {
    expect(gloasNpr.versionedHashes).toHaveLength(0);
    const { block, envelope } = gloasBlockAndEnvelope();
    const blockRoot = beaconServer.addBlock({ fork: "gloas", block });
    beaconServer.envelopes.set(blockRoot, envelope);

    // 1. Follow the beacon node: the execution_payload event brings the payload.
    const ctrl = new AbortController();
    const beacon = new HttpBeaconClient(
      { baseUrl: beaconServer.url, requestTimeoutMs: 5000 },
      { clock: systemClock },
    );
    const follower = new ChainFollower(
      { baseUrl: beaconServer.url, reconnectInitialMs: 5, reconnectMaxMs: 20 },
      { beacon, clock: systemClock, logger: silentLogger(), lastSlot: new MemorySlotStore() },
    );
    const events: ChainEvent[] = [];
    follower.on((e) => {
      events.push(e);
    });
    const running = follower.run(ctrl.signal);
    closers.push(async () => {
      ctrl.abort();
      await running;
    });
    await until(
      () =>
        beaconServer.requests.some((r) => r.includes("/execution_payload_envelope/")) ? true : undefined,
      "envelope lookup",
    );
    beaconServer.send(`event: execution_payload\ndata: {"slot":"${SLOT}","block_root":"${blockRoot}"}\n\n`);
    const event = await until(
      () => events.find((e): e is PayloadEvent => e.type === "payload"),
      "the Gloas payload event",
    );
    expect(event.npr.fork).toBe("gloas");
    expect(toHex(event.blockRoot)).toBe(blockRoot);

    // 2. The consensus NPR root and the root the guests commit to differ; the profile picks the latter.
    const npr = event.npr as ForkedNewPayloadRequest;
    const elRoot = payloadRequestRoot(npr, profile);
    expect(toHex(elRoot)).toBe(STATED_ROOT);
    expect(toHex(nprRoot(npr))).not.toBe(STATED_ROOT);
    expect(toHex(payloadRequestRoot(npr, getProfile("consensus-specs-2026-08")))).toBe(toHex(nprRoot(npr)));

    // 3. StatelessInput from the EL's witness: the fixture's bytes exactly.
    const witnessSource: WitnessSource = {
      fetchWitness: async (req) => {
        expect(toHex(req.blockHash)).toBe(toHex(gloasNpr.executionPayload.blockHash));
        return { witness: decoded.witness, method: "debug_executionWitnessByBlockHash", ms: 0 };
      },
    };
    const gethConfig = gethConfigForTestNetwork(test.network, Number(chainId), test.config?.blobSchedule);
    const chainConfigSource: ChainConfigSource = { chainConfig: async () => gethConfig };
    const inputBuilder = new StatelessInputBuilder(
      { profile, witnessCheck: "never" },
      { witnessSource, chainConfigSource, clock: systemClock, logger: silentLogger() },
    );
    const built = await inputBuilder.build({ ...event, root: elRoot });
    expect(toHex(built.root)).toBe(STATED_ROOT);
    expect(toHex(built.bytes)).toBe(toHex(fixtureInput));

    // 4. Prove on the ere double (43-byte output checked by the backend), sign an envelope.
    const signerDir = tmp("signer");
    const domain = new Uint8Array(32).fill(3);
    const signer = new ProofSigner({
      secretKey: interopSecretKey(0),
      validatorIndex: 0,
      guard: new DoubleSignGuard(signerDir),
      containers,
      domainAtSlot: () => domain,
    });
    const prover = await proofService("prover", async () => built.bytes);
    let envelopeBytes: Uint8Array | undefined;
    const proverService = prover.create(async (proof, payload) => {
      const message = decodeStoredProof(containers, proof.proof, proof.newPayloadRequestRoot);
      envelopeBytes = containers.SignedExecutionProof.serialize(signer.sign(message, payload.slot));
    });
    const meta: PayloadMeta = {
      slot: event.slot,
      blockRoot: event.blockRoot,
      blockHash: event.blockHash,
      seenAt: event.seenAt,
    };
    const requestedRoot = await proverService.requestProofs(npr, [ETHREX_ZISK], meta);
    expect(toHex(requestedRoot)).toBe(STATED_ROOT);
    const wire = await until(() => envelopeBytes, "a signed envelope");
    const proveCall = ere.requests.find((r) => r.path.endsWith("/Prove"));
    expect(toHex(proveCall?.input?.inputStdin ?? new Uint8Array())).toBe(toHex(fixtureInput));

    // The guest's output: the fixture's own bytes except the verdict (0 there, the block being invalid).
    const out = ere.options.publicValuesFor({ inputStdin: fixtureInput });
    expect(out).toHaveLength(43);
    const stated = decodeResult43(fixtureOutput);
    expect(decodeResult43(out)).toEqual({ ...stated, successfulValidation: true });
    expect(toHex(out.subarray(0, 32))).toBe(toHex(fixtureOutput.subarray(0, 32)));
    expect(toHex(out.subarray(33))).toBe(toHex(fixtureOutput.subarray(33)));

    // 5. What went on the wire is an envelope: proof data, type and block root, no PublicInput.
    const { SignedExecutionProofEnvelope } = envelopeTypes(new ByteListType(profile.maxProofSize));
    const onWire = SignedExecutionProofEnvelope.deserialize(wire);
    expect(toHex(SignedExecutionProofEnvelope.serialize(onWire))).toBe(toHex(wire));
    expect(onWire.message.proofType).toBe(ETHREX_ZISK);
    expect(toHex(onWire.message.beaconBlockRoot)).toBe(blockRoot);
    expect(onWire.validatorIndex).toBe(0);

    // 6. The receiving node knows the payload (its own follower would have told it), verifies the
    // envelope through its ere backend and rebuilds PublicInput from its own payload.
    const verifier = await proofService("verifier");
    const verifierService = verifier.create();
    await verifierService.notifyPayload(npr, meta);
    const bls = new BlsBatchVerifier({ maxBatch: 8, maxWaitMs: 1 });
    closers.push(() => bls.close());
    const pubkey = interopSecretKey(0).toPublicKey().toBytes();
    const validator = new ProofGossipValidator(
      {
        containers,
        validators: { getValidator: async (i) => (i === 0 ? { pubkey, active: true } : undefined) },
        proofs: verifierService,
        domain: { currentDomain: () => domain },
        clock: systemClock,
        bls,
      },
      defaultP2pOpts,
    );
    const received = decodeSignedProof(wire, containers);
    if ("result" in received) throw new Error(`decode: ${JSON.stringify(received)}`);
    expect(isResolved(received.message)).toBe(false);
    const verdict = await validator.validate(received);
    expect(verdict).toEqual({ result: "accept" });
    expect(toHex(received.message.publicInput.newPayloadRequestRoot)).toBe(STATED_ROOT);
    expect(ere.requests.some((r) => r.path.endsWith("/Verify"))).toBe(true);

    // A second copy is IGNOREd.
    const again = decodeSignedProof(wire, containers);
    if ("result" in again) throw new Error("decode");
    expect((await validator.validate(again)).result).toBe("ignore");
  });
});
