// The fallback witness for execution clients without debug_executionWitness (most public endpoints, the
// EthereumJS client): discover what the block touches by executing it against state read over RPC at the
// parent block (plus a prestateTracer trace where the EL has one), then collect eth_getProof nodes for
// every touched account and slot, the touched bytecodes and the parent header; re-run the stateless
// engine on the result, extending the header chain while it asks for older headers and fetching the
// siblings a deletion collapses into (trieSiblings.ts). What it still cannot cover is reported.
import type { Common } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import { RPCStateManager } from "@ethereumjs/statemanager";
import { type Address, bytesToHex, KECCAK256_NULL_S, setLengthLeft } from "@ethereumjs/util";
import { createVM, runBlock } from "@ethereumjs/vm";
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { ForkedNewPayloadRequest } from "../spec/newPayloadRequest.ts";
import type { ExecutionWitnessValue } from "../spec/stateless.ts";
import { commonFromGethConfig } from "../stateless/common.ts";
import { validateStateless } from "../stateless/engine.ts";
import { blockFromPayload, payloadView } from "../stateless/payloadBlock.ts";
import type { Clock } from "../util/clock.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { bytesEqual, fromHex, toHex } from "../util/hex.ts";
import type { Logger } from "../util/logger.ts";
import type {
  ChainConfigSource,
  ExecutionMetrics,
  FetchedWitness,
  WitnessRequest,
  WitnessSource,
} from "./interface.ts";
import { type JsonRpcClient, RpcError } from "./jsonRpcClient.ts";
import { findParentBranch, indexProofPath, keyWithHashPrefix, type NodePlace } from "./trieSiblings.ts";

export interface ProofWitnessBuilderOpts {
  /** Never walk back further than this many ancestor headers. */
  maxAncestorHeaders: number;
  /** Engine re-runs while filling gaps the first pass missed. */
  maxRefineRounds: number;
  /** Deepest sibling (in nibbles) searched for by key grinding; each nibble costs 16× more hashing. */
  maxSiblingPrefixNibbles: number;
}

export const defaultProofWitnessBuilderOpts: ProofWitnessBuilderOpts = {
  maxAncestorHeaders: 256,
  maxRefineRounds: 8,
  maxSiblingPrefixNibbles: 5,
};

interface ProvenState {
  nodes: Map<string, Uint8Array>;
  places: Map<string, NodePlace>;
  codes: Uint8Array[];
}

/** Accounts (lower-case hex) → storage slots (32-byte hex) the block reads or writes. */
export type TouchedSet = Map<string, Set<string>>;

function touch(set: TouchedSet, address: string): Set<string> {
  const key = address.toLowerCase();
  let slots = set.get(key);
  if (!slots) {
    slots = new Set();
    set.set(key, slots);
  }
  return slots;
}

/** Records every account and slot execution asks the RPC-backed state for. */
class RecordingRpcStateManager extends RPCStateManager {
  readonly touched: TouchedSet = new Map();
  override async getAccount(address: Address) {
    touch(this.touched, address.toString());
    return super.getAccount(address);
  }
  override async getStorage(address: Address, key: Uint8Array) {
    touch(this.touched, address.toString()).add(bytesToHex(setLengthLeft(key, 32)));
    return super.getStorage(address, key);
  }
  override async putStorage(address: Address, key: Uint8Array, value: Uint8Array) {
    touch(this.touched, address.toString()).add(bytesToHex(setLengthLeft(key, 32)));
    return super.putStorage(address, key, value);
  }
  override async getCode(address: Address) {
    touch(this.touched, address.toString());
    return super.getCode(address);
  }
}

/** Header RPC JSON → its RLP (fields in consensus order; optional trailing fields only when present). */
export function headerRlpFromRpc(h: Record<string, unknown>): Uint8Array {
  const str = (name: string): string => {
    const v = h[name];
    if (typeof v !== "string") throw new EproofError("UPSTREAM", `block header JSON lacks "${name}"`);
    return v;
  };
  const data = (name: string) => fromHex(str(name), `header ${name}`);
  const qty = (name: string) => {
    const n = BigInt(str(name));
    if (n === 0n) return new Uint8Array();
    const hex = n.toString(16);
    return fromHex(`0x${hex.length % 2 ? "0" : ""}${hex}`);
  };
  const fields: Uint8Array[] = [
    data("parentHash"),
    data("sha3Uncles"),
    data("miner"),
    data("stateRoot"),
    data("transactionsRoot"),
    data("receiptsRoot"),
    data("logsBloom"),
    qty("difficulty"),
    qty("number"),
    qty("gasLimit"),
    qty("gasUsed"),
    qty("timestamp"),
    data("extraData"),
    data("mixHash"),
    data("nonce"),
  ];
  const optional: [string, "qty" | "data"][] = [
    ["baseFeePerGas", "qty"],
    ["withdrawalsRoot", "data"],
    ["blobGasUsed", "qty"],
    ["excessBlobGas", "qty"],
    ["parentBeaconBlockRoot", "data"],
    ["requestsHash", "data"],
  ];
  for (const [name, kind] of optional) {
    if (h[name] === undefined || h[name] === null) break;
    fields.push(kind === "qty" ? qty(name) : data(name));
  }
  return RLP.encode(fields);
}

interface ProofResult {
  accountProof: string[];
  codeHash: string;
  storageProof: { key: string; proof: string[] }[];
}

function isProofResult(v: unknown): v is ProofResult {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return Array.isArray(o.accountProof) && typeof o.codeHash === "string" && Array.isArray(o.storageProof);
}

export class ProofWitnessBuilder implements WitnessSource {
  private readonly rpc: JsonRpcClient;
  private readonly rpcUrl: string;
  private readonly opts: ProofWitnessBuilderOpts;
  private readonly m: {
    clock: Clock;
    logger: Logger;
    metrics?: ExecutionMetrics;
    chainConfigSource: ChainConfigSource;
  };

  /** `rpcUrl` is the same endpoint as `rpc`: the RPC state manager opens its own connections to it. */
  constructor(
    rpc: JsonRpcClient,
    rpcUrl: string,
    modules: {
      clock: Clock;
      logger: Logger;
      metrics?: ExecutionMetrics;
      chainConfigSource: ChainConfigSource;
    },
    opts: Partial<ProofWitnessBuilderOpts> = {},
  ) {
    this.rpc = rpc;
    this.rpcUrl = rpcUrl;
    this.m = modules;
    this.opts = { ...defaultProofWitnessBuilderOpts, ...opts };
  }

  async fetchWitness(req: WitnessRequest, signal?: AbortSignal): Promise<FetchedWitness> {
    const t0 = this.m.clock.now();
    if (!req.npr)
      throw new EproofError(
        "BAD_INPUT",
        "the eth_getProof witness builder needs the block's NewPayloadRequest",
      );
    try {
      const witness = await this.build(req.npr, signal);
      const ms = this.m.clock.now() - t0;
      this.m.metrics?.recordWitnessFetch("eth_getProof_fallback", ms, true);
      return { witness, method: "eth_getProof_fallback", ms, engineChecked: true };
    } catch (e) {
      this.m.metrics?.recordWitnessFetch("eth_getProof_fallback", this.m.clock.now() - t0, false);
      throw e;
    }
  }

  private async build(npr: ForkedNewPayloadRequest, signal?: AbortSignal): Promise<ExecutionWitnessValue> {
    const common = commonFromGethConfig(await this.m.chainConfigSource.chainConfig(signal));
    const payload = npr.value.executionPayload;
    const parentNumber = payload.blockNumber - 1;
    if (parentNumber < 0)
      throw new EproofError("BAD_INPUT", "the genesis block has no parent state to prove");
    const touched = await this.discoverTouched(npr, common, parentNumber, signal);
    const proven = await this.proveTouched(touched, parentNumber, signal);
    const parent = await this.headerRlp(parentNumber, signal);
    if (!bytesEqual(keccak_256(parent), payload.parentHash)) {
      throw new EproofError(
        "UPSTREAM",
        `the EL's block ${parentNumber} is not this payload's parent (reorged?)`,
      );
    }
    return this.refine(npr, proven, [parent], common, parentNumber, signal);
  }

  /** Execution against parent-state RPC reads, united with a prestateTracer trace when available. */
  async discoverTouched(
    npr: ForkedNewPayloadRequest,
    common: Common,
    parentNumber: number,
    signal?: AbortSignal,
  ): Promise<TouchedSet> {
    const view = payloadView(npr);
    const block = await blockFromPayload(view, common);
    const sm = new RecordingRpcStateManager({
      provider: this.rpcUrl,
      blockTag: BigInt(parentNumber),
      common,
    });
    const vm = await createVM({ common: common.copy(), stateManager: sm });
    try {
      await runBlock(vm, {
        block,
        generate: true,
        skipHeaderValidation: true,
        skipBlockValidation: true,
        skipHardForkValidation: true,
      });
    } catch (e) {
      // The RPC state cannot compute a post-state root; everything read up to that point is recorded.
      this.m.logger.debug({ err: errorMessage(e) }, "RPC-state execution ended early");
    }
    const touched = sm.touched;
    touch(touched, toHex(payload(npr).feeRecipient));
    for (const w of payload(npr).withdrawals) touch(touched, toHex(w.address));
    await this.addTrace(touched, toHex(payload(npr).blockHash), signal);
    return touched;
  }

  private async addTrace(touched: TouchedSet, blockHash: string, signal?: AbortSignal): Promise<void> {
    let trace: unknown;
    try {
      trace = await this.rpc.call("debug_traceBlockByHash", [blockHash, { tracer: "prestateTracer" }], {
        signal,
      });
    } catch (e) {
      if (e instanceof RpcError) return; // no tracer on this EL: execution alone decides
      throw e;
    }
    if (!Array.isArray(trace)) return;
    for (const item of trace) {
      const result =
        typeof item === "object" && item !== null ? (item as { result?: unknown }).result : undefined;
      if (typeof result !== "object" || result === null) continue;
      for (const [addr, acct] of Object.entries(result as Record<string, unknown>)) {
        const slots = touch(touched, addr);
        const storage =
          typeof acct === "object" && acct !== null ? (acct as { storage?: unknown }).storage : undefined;
        if (typeof storage === "object" && storage !== null)
          for (const k of Object.keys(storage)) slots.add(k.toLowerCase());
      }
    }
  }

  /** eth_getProof at the parent for every touched account (with its slots), then eth_getCode for contracts. */
  async proveTouched(touched: TouchedSet, parentNumber: number, signal?: AbortSignal): Promise<ProvenState> {
    const tag = `0x${parentNumber.toString(16)}`;
    const accounts = [...touched.keys()];
    const proven: ProvenState = { nodes: new Map(), places: new Map(), codes: [] };
    const withCode = await this.addProofs(
      proven,
      accounts.map((a) => [a, [...(touched.get(a) ?? [])]]),
      tag,
      signal,
    );
    const codeAnswers = await this.rpc.batch(
      withCode.map((a) => ({ method: "eth_getCode", params: [a, tag] })),
      { signal },
    );
    proven.codes = codeAnswers.map((c, i) => {
      if (!c.ok || typeof c.result !== "string")
        throw new EproofError("UPSTREAM", `eth_getCode for ${withCode[i]} failed`);
      return fromHex(c.result, "code");
    });
    return proven;
  }

  /** Adds eth_getProof nodes (indexed by place) for [address, slots] pairs; returns accounts with code. */
  private async addProofs(
    proven: ProvenState,
    targets: [string, string[]][],
    tag: string,
    signal?: AbortSignal,
  ): Promise<string[]> {
    const proofs = await this.rpc.batch(
      targets.map(([a, slots]) => ({ method: "eth_getProof", params: [a, slots, tag] })),
      { signal },
    );
    const withCode: string[] = [];
    proofs.forEach((p, i) => {
      const address = targets[i]?.[0] ?? "";
      if (!p.ok) throw new EproofError("UPSTREAM", `eth_getProof for ${address} failed: ${p.error.message}`);
      if (!isProofResult(p.result))
        throw new EproofError("UPSTREAM", `eth_getProof for ${address} is malformed`);
      const accountNodes = p.result.accountProof.map((n) => fromHex(n, "proof node"));
      indexProofPath("account", keccak_256(fromHex(address, "address")), accountNodes, proven.places);
      for (const n of accountNodes) proven.nodes.set(toHex(keccak_256(n)), n);
      for (const sp of p.result.storageProof) {
        const storageNodes = sp.proof.map((n) => fromHex(n, "proof node"));
        const slot = setLengthLeft(fromHex(`0x${BigInt(sp.key).toString(16).padStart(64, "0")}`, "slot"), 32);
        indexProofPath(address.toLowerCase(), keccak_256(slot), storageNodes, proven.places);
        for (const n of storageNodes) proven.nodes.set(toHex(keccak_256(n)), n);
      }
      if (p.result.codeHash.toLowerCase() !== KECCAK256_NULL_S) withCode.push(address);
    });
    return withCode;
  }

  /**
   * A node the engine missed that hangs under a branch we hold: grind a key whose hashed path enters
   * that child and prove it. False when the node cannot be placed or sits too deep.
   */
  private async addSibling(
    proven: ProvenState,
    missing: string,
    tag: string,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const parent = findParentBranch(fromHex(missing, "node hash"), [...proven.nodes.values()]);
    if (!parent) return false;
    const place = proven.places.get(parent.parentHash);
    if (!place) return false;
    const prefix = [...place.path, parent.nibble];
    if (prefix.length > this.opts.maxSiblingPrefixNibbles) return false;
    const size = place.trie === "account" ? 20 : 32;
    const key = keyWithHashPrefix(prefix, size, 16 ** prefix.length * 32);
    if (!key) return false;
    const target: [string, string[]] =
      place.trie === "account" ? [toHex(key), []] : [place.trie, [toHex(key)]];
    await this.addProofs(proven, [target], tag, signal);
    return proven.nodes.has(missing);
  }

  private async headerRlp(number: number, signal?: AbortSignal): Promise<Uint8Array> {
    const h = await this.rpc.call<unknown>("eth_getBlockByNumber", [`0x${number.toString(16)}`, false], {
      signal,
    });
    if (typeof h !== "object" || h === null)
      throw new EproofError("UPSTREAM", `the EL has no block ${number}`);
    const rlp = headerRlpFromRpc(h as Record<string, unknown>);
    const hash = (h as { hash?: unknown }).hash;
    if (typeof hash === "string" && toHex(keccak_256(rlp)) !== hash.toLowerCase()) {
      throw new EproofError(
        "UPSTREAM",
        `block ${number}: header fields do not hash to ${hash} (unknown header fields?)`,
      );
    }
    return rlp;
  }

  /**
   * Re-runs the engine; adds older headers while it asks for them and deletion siblings it can reach;
   * reports anything else still missing.
   */
  private async refine(
    npr: ForkedNewPayloadRequest,
    proven: ProvenState,
    parentHeaders: Uint8Array[],
    common: Common,
    parentNumber: number,
    signal?: AbortSignal,
  ): Promise<ExecutionWitnessValue> {
    let headers = parentHeaders;
    const tag = `0x${parentNumber.toString(16)}`;
    for (let round = 0; ; round++) {
      const witness: ExecutionWitnessValue = {
        state: [...proven.nodes.values()],
        codes: proven.codes,
        headers,
      };
      const outcome = await validateStateless({ npr, witness, chainConfig: common });
      if (outcome.valid) return witness;
      const reason = outcome.reason ?? "invalid";
      if (round < this.opts.maxRefineRounds) {
        const wantHeader = /missing header #(\d+)/.exec(reason);
        const oldest = parentNumber - headers.length + 1;
        if (wantHeader) {
          const target = Number(wantHeader[1]);
          if (target < oldest && parentNumber - target < this.opts.maxAncestorHeaders) {
            const older: Uint8Array[] = [];
            for (let n = oldest - 1; n >= target; n--) older.unshift(await this.headerRlp(n, signal));
            headers = [...older, ...headers];
            continue;
          }
        }
        const wantNode = /missing node (0x[0-9a-fA-F]{64})/.exec(reason);
        if (wantNode?.[1] && (await this.addSibling(proven, wantNode[1].toLowerCase(), tag, signal)))
          continue;
      }
      this.m.metrics?.recordWitnessRejected("eth_getProof_fallback");
      throw new EproofError(
        "UPSTREAM",
        `the eth_getProof witness for block ${npr.value.executionPayload.blockNumber} does not validate: ${reason}` +
          (/missing node/.test(reason)
            ? " (a trie node no reachable eth_getProof carries, e.g. a deep deletion sibling)"
            : ""),
      );
    }
  }
}

function payload(npr: ForkedNewPayloadRequest) {
  return npr.value.executionPayload;
}
