// A small real beacon chain for the light-client tests: Capella blocks with execution payloads, a
// BeaconState per block (sync committees, finalized checkpoint) hashed as SSZ trees, Merkle branches
// taken from those trees, and sync aggregates signed by interop keys (16 validators, each 32 times in
// the 512-member committee, as on a small devnet). Served by a beacon-API server speaking the
// light-client routes and /eth/v2/beacon/blocks as JSON.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { aggregateSignatures, type SecretKey, type Signature } from "@chainsafe/blst";
import { Tree } from "@chainsafe/persistent-merkle-tree";
import { BitArray } from "@chainsafe/ssz";
import {
  type BeaconConfig,
  chainConfigToJson,
  createBeaconConfig,
  createChainForkConfig,
  defaultChainConfig,
} from "@lodestar/config";
import {
  BLOCK_BODY_EXECUTION_PAYLOAD_GINDEX,
  CURRENT_SYNC_COMMITTEE_GINDEX,
  DOMAIN_SYNC_COMMITTEE,
  FINALIZED_ROOT_GINDEX,
  NEXT_SYNC_COMMITTEE_GINDEX,
  SYNC_COMMITTEE_SIZE,
} from "@lodestar/params";
import { type capella, ssz } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";
import { interopSecretKey } from "../../src/signing/interopKeys.ts";
import { toHex } from "../../src/util/hex.ts";

export const SECONDS_PER_SLOT = 12;
const VALIDATORS = 16;

export interface ChainBlock {
  slot: number;
  root: Uint8Array;
  signed: capella.SignedBeaconBlock;
  lcHeader: capella.LightClientHeader;
  stateBranches: { current: Uint8Array[]; next: Uint8Array[]; finalized: Uint8Array[] };
  finalized: { slot: number; root: Uint8Array };
}

export interface LcChain {
  config: BeaconConfig;
  genesisTime: number;
  genesisValidatorsRoot: Uint8Array;
  committee: { pubkeys: Uint8Array[]; aggregatePubkey: Uint8Array };
  blocks: ChainBlock[];
  bySlot(slot: number): ChainBlock;
}

const keys: SecretKey[] = Array.from({ length: VALIDATORS }, (_, i) => interopSecretKey(i));

/** Finalized checkpoint of the state after the block at `slot`: block 64 from slot 68, block 32 from 40. */
function finalizedSlotAt(slot: number): number {
  if (slot >= 68) return 64;
  if (slot >= 40) return 32;
  return 0;
}

export function buildChain(opts: { slots: number; genesisTime: number }): LcChain {
  const chainConfig = createChainForkConfig({
    ...defaultChainConfig,
    ALTAIR_FORK_EPOCH: 0,
    BELLATRIX_FORK_EPOCH: 0,
    CAPELLA_FORK_EPOCH: 0,
    DENEB_FORK_EPOCH: Number.POSITIVE_INFINITY,
    ELECTRA_FORK_EPOCH: Number.POSITIVE_INFINITY,
    FULU_FORK_EPOCH: Number.POSITIVE_INFINITY,
    GLOAS_FORK_EPOCH: Number.POSITIVE_INFINITY,
  });
  const genesisValidatorsRoot = sha256(new TextEncoder().encode("eproof light test chain"));
  const config = createBeaconConfig(chainConfig, genesisValidatorsRoot);
  const pubkeys = Array.from({ length: SYNC_COMMITTEE_SIZE }, (_, i) =>
    (keys[i % VALIDATORS] as SecretKey).toPublicKey().toBytes(),
  );
  const committee = { pubkeys, aggregatePubkey: (keys[0] as SecretKey).toPublicKey().toBytes() };

  const state = ssz.capella.BeaconState.defaultViewDU();
  state.currentSyncCommittee = ssz.altair.SyncCommittee.toViewDU(committee);
  state.nextSyncCommittee = ssz.altair.SyncCommittee.toViewDU(committee);
  const blocks: ChainBlock[] = [];
  let parentRoot: Uint8Array = new Uint8Array(32);
  let parentHash: Uint8Array = sha256(new TextEncoder().encode("el genesis"));
  for (let slot = 1; slot <= opts.slots; slot++) {
    const finSlot = finalizedSlotAt(slot);
    const finRoot = finSlot === 0 ? new Uint8Array(32) : (blocks[finSlot - 1] as ChainBlock).root;
    state.slot = slot;
    state.finalizedCheckpoint = ssz.phase0.Checkpoint.toViewDU({ epoch: finSlot / 32, root: finRoot });
    state.commit();
    const stateRoot = state.hashTreeRoot();
    const tree = new Tree(state.node);
    const stateBranches = {
      current: tree.getSingleProof(BigInt(CURRENT_SYNC_COMMITTEE_GINDEX)),
      next: tree.getSingleProof(BigInt(NEXT_SYNC_COMMITTEE_GINDEX)),
      finalized: tree.getSingleProof(BigInt(FINALIZED_ROOT_GINDEX)),
    };

    const block = ssz.capella.BeaconBlock.defaultValue();
    block.slot = slot;
    block.proposerIndex = slot % VALIDATORS;
    block.parentRoot = parentRoot;
    block.stateRoot = stateRoot;
    const payload = block.body.executionPayload;
    payload.blockNumber = slot;
    payload.parentHash = parentHash;
    payload.timestamp = opts.genesisTime + slot * SECONDS_PER_SLOT;
    payload.stateRoot = sha256(new TextEncoder().encode(`el state ${slot}`));
    payload.blockHash = sha256(new TextEncoder().encode(`el block ${slot}`));
    payload.gasLimit = 30_000_000;
    payload.feeRecipient = new Uint8Array(20).fill(0x11);
    const bodyView = ssz.capella.BeaconBlockBody.toViewDU(block.body);
    const executionBranch = new Tree(bodyView.node).getSingleProof(
      BigInt(BLOCK_BODY_EXECUTION_PAYLOAD_GINDEX),
    );
    const root = ssz.capella.BeaconBlock.hashTreeRoot(block);
    const beacon = {
      slot,
      proposerIndex: block.proposerIndex,
      parentRoot,
      stateRoot,
      bodyRoot: ssz.capella.BeaconBlockBody.hashTreeRoot(block.body),
    };
    const { transactions, withdrawals, ...rest } = payload;
    const execution: capella.ExecutionPayloadHeader = {
      ...rest,
      transactionsRoot: ssz.bellatrix.Transactions.hashTreeRoot(transactions),
      withdrawalsRoot: ssz.capella.Withdrawals.hashTreeRoot(withdrawals),
    };
    blocks.push({
      slot,
      root,
      signed: { message: block, signature: new Uint8Array(96) },
      lcHeader: { beacon, execution, executionBranch },
      stateBranches,
      finalized: { slot: finSlot, root: finRoot },
    });
    parentRoot = root;
    parentHash = payload.blockHash;
  }
  return {
    config,
    genesisTime: opts.genesisTime,
    genesisValidatorsRoot,
    committee,
    blocks,
    bySlot: (slot) => {
      const b = blocks[slot - 1];
      if (!b) throw new Error(`no block at slot ${slot}`);
      return b;
    },
  };
}

/** The sync committee's aggregate over `attested` at `signatureSlot`; `forge` signs with keys outside it. */
export function syncAggregate(
  chain: LcChain,
  attested: ChainBlock,
  signatureSlot: number,
  forge = false,
): capella.LightClientOptimisticUpdate["syncAggregate"] {
  const domain = chain.config.getDomain(signatureSlot - 1, DOMAIN_SYNC_COMMITTEE);
  const signingRoot = ssz.phase0.SigningData.hashTreeRoot({ objectRoot: attested.root, domain });
  const signers = forge ? Array.from({ length: VALIDATORS }, (_, i) => interopSecretKey(1000 + i)) : keys;
  const once = signers.map((k) => k.sign(signingRoot));
  const sigs = Array.from({ length: SYNC_COMMITTEE_SIZE }, (_, i) => once[i % VALIDATORS] as Signature);
  return {
    syncCommitteeBits: BitArray.fromBoolArray(Array.from({ length: SYNC_COMMITTEE_SIZE }, () => true)),
    syncCommitteeSignature: aggregateSignatures(sigs).toBytes(),
  };
}

export function bootstrapOf(chain: LcChain, b: ChainBlock): capella.LightClientBootstrap {
  return {
    header: b.lcHeader,
    currentSyncCommittee: chain.committee,
    currentSyncCommitteeBranch: b.stateBranches.current,
  };
}

export function updateOf(chain: LcChain, attested: ChainBlock, forge = false): capella.LightClientUpdate {
  const fin = chain.bySlot(attested.finalized.slot);
  return {
    attestedHeader: attested.lcHeader,
    nextSyncCommittee: chain.committee,
    nextSyncCommitteeBranch: attested.stateBranches.next,
    finalizedHeader: fin.lcHeader,
    finalityBranch: attested.stateBranches.finalized,
    syncAggregate: syncAggregate(chain, attested, attested.slot + 1, forge),
    signatureSlot: attested.slot + 1,
  };
}

export function finalityUpdateOf(
  chain: LcChain,
  attested: ChainBlock,
  forge = false,
): capella.LightClientFinalityUpdate {
  const u = updateOf(chain, attested, forge);
  return {
    attestedHeader: u.attestedHeader,
    finalizedHeader: u.finalizedHeader,
    finalityBranch: u.finalityBranch,
    syncAggregate: u.syncAggregate,
    signatureSlot: u.signatureSlot,
  };
}

export function optimisticUpdateOf(
  chain: LcChain,
  attested: ChainBlock,
  forge = false,
): capella.LightClientOptimisticUpdate {
  return {
    attestedHeader: attested.lcHeader,
    syncAggregate: syncAggregate(chain, attested, attested.slot + 1, forge),
    signatureSlot: attested.slot + 1,
  };
}

/** What the test server answers; tests change it between polls (a new head, a forged update, a lie). */
export interface ServedState {
  bootstrapSlot: number;
  updates: capella.LightClientUpdate[];
  finality?: capella.LightClientFinalityUpdate;
  optimistic?: capella.LightClientOptimisticUpdate;
  /** Block roots (hex) whose served block is replaced by another one (a lying server). */
  swapBlocks: Map<string, ChainBlock>;
  /** Answer the finality route with HTTP 500, as Lodestar does on a chain that has not finalized yet. */
  finalityUnavailable?: boolean;
  /** How often the updates route was asked (counted by the server). */
  updateRequests?: number;
}

export interface LcServer {
  url: string;
  served: ServedState;
  close(): Promise<void>;
}

export async function startLcServer(chain: LcChain, served: ServedState): Promise<LcServer> {
  const byRoot = new Map(chain.blocks.map((b) => [toHex(b.root), b]));
  const send = (res: import("node:http").ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const p = url.pathname;
    const v = (data: unknown) => ({ version: "capella", data });
    if (p.startsWith("/eth/v1/beacon/light_client/bootstrap/")) {
      const b = chain.bySlot(served.bootstrapSlot);
      return send(res, 200, v(ssz.capella.LightClientBootstrap.toJson(bootstrapOf(chain, b))));
    }
    if (p === "/eth/v1/beacon/light_client/updates") {
      served.updateRequests = (served.updateRequests ?? 0) + 1;
      return send(
        res,
        200,
        served.updates.map((u) => v(ssz.capella.LightClientUpdate.toJson(u))),
      );
    }
    if (p === "/eth/v1/beacon/light_client/finality_update") {
      if (served.finalityUnavailable)
        return send(res, 500, { statusCode: 500, message: "No finality update available" });
      if (!served.finality) return send(res, 404, { message: "none" });
      return send(res, 200, v(ssz.capella.LightClientFinalityUpdate.toJson(served.finality)));
    }
    if (p === "/eth/v1/beacon/light_client/optimistic_update") {
      if (!served.optimistic) return send(res, 404, { message: "none" });
      return send(res, 200, v(ssz.capella.LightClientOptimisticUpdate.toJson(served.optimistic)));
    }
    if (p === "/eth/v1/beacon/genesis") {
      return send(res, 200, {
        data: {
          genesis_time: String(chain.genesisTime),
          genesis_validators_root: toHex(chain.genesisValidatorsRoot),
          genesis_fork_version: "0x00000001",
        },
      });
    }
    if (p === "/eth/v1/config/spec") {
      return send(res, 200, { data: { ...chainConfigToJson(chain.config), ...presetSpec() } });
    }
    const blockMatch = /^\/eth\/v2\/beacon\/blocks\/(0x[0-9a-f]{64})$/.exec(p);
    if (blockMatch?.[1]) {
      const hex = blockMatch[1];
      const b = served.swapBlocks.get(hex) ?? byRoot.get(hex);
      if (!b) return send(res, 404, { message: "unknown block" });
      return send(res, 200, v(ssz.capella.SignedBeaconBlock.toJson(b.signed)));
    }
    const validator = /^\/eth\/v1\/beacon\/states\/[^/]+\/validators\/(\d+)$/.exec(p);
    if (validator?.[1]) {
      const i = Number(validator[1]);
      if (i >= VALIDATORS) return send(res, 404, { message: "unknown validator" });
      return send(res, 200, { data: validatorJson(i) });
    }
    // The list form (?id=…), which HttpBeaconClient.getValidator asks (the p2p layer's signature keys).
    if (/^\/eth\/v1\/beacon\/states\/[^/]+\/validators$/.test(p)) {
      const ids = url.searchParams.getAll("id").flatMap((v) => v.split(","));
      const known = ids.map(Number).filter((i) => Number.isInteger(i) && i >= 0 && i < VALIDATORS);
      return send(res, 200, { data: known.map(validatorJson) });
    }
    send(res, 404, { message: `no route ${p}` });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Validator `i` as the beacon API answers it: interop key `i`, active. */
function validatorJson(i: number) {
  return {
    index: String(i),
    balance: "32000000000",
    status: "active_ongoing",
    validator: {
      pubkey: toHex((keys[i] as SecretKey).toPublicKey().toBytes()),
      withdrawal_credentials: toHex(new Uint8Array(32)),
      effective_balance: "32000000000",
      slashed: false,
      activation_eligibility_epoch: "0",
      activation_epoch: "0",
      exit_epoch: "18446744073709551615",
      withdrawable_epoch: "18446744073709551615",
    },
  };
}

const presetSpec = () => ({ PRESET_BASE: "mainnet", SLOTS_PER_EPOCH: "32", DEPOSIT_CHAIN_ID: "1337" });

export { interopSecretKey };
