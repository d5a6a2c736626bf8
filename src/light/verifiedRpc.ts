// Verified JSON-RPC for `eproof light`: answers eth_blockNumber, eth_getBalance, eth_getTransactionCount,
// eth_getCode, eth_getStorageAt and eth_getProof for the verified execution head only, from an *untrusted*
// execution RPC whose eth_getProof answer is checked against the head's proven state root (Merkle-Patricia
// proofs with @ethereumjs/mpt) and whose code is checked against the proven code hash. A wrong answer is a
// JSON-RPC error naming the mismatch; it is never passed on.
import type { IncomingMessage, ServerResponse } from "node:http";
import { MerklePatriciaTrie, updateMPTFromMerkleProof } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { KECCAK256_NULL, KECCAK256_RLP } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { JsonRpcClient, RpcError } from "../execution/jsonRpcClient.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import { bytesEqual, fromHex, toHex } from "../util/hex.ts";
import type { LightMetrics, VerifiedExecutionHead } from "./interface.ts";

export interface VerifiedRpcOpts {
  /** The untrusted execution JSON-RPC every answer is fetched from (and checked). */
  upstreamUrl: string;
  timeoutMs: number;
  /** Bounds on what a client may send: request body bytes and calls per batch. */
  maxBodyBytes: number;
  maxBatch: number;
}

export const defaultVerifiedRpcOpts: Omit<VerifiedRpcOpts, "upstreamUrl"> = {
  timeoutMs: 10_000,
  maxBodyBytes: 1 << 20,
  maxBatch: 100,
};

export interface VerifiedRpcModules {
  /** The verified execution head (undefined until one exists). */
  head: () => VerifiedExecutionHead | undefined;
  clock: Clock;
  metrics?: Pick<LightMetrics, "recordRpcCheck">;
}

/** Each key is a proof fetched and checked: a bound on what one call can make this node and its upstream do. */
export const MAX_STORAGE_KEYS = 256;

/** JSON-RPC error codes this endpoint answers with (beside the standard -32700/-32600/-32601/-32602). */
export const RPC_NO_VERIFIED_HEAD = -32001;
export const RPC_UNVERIFIED_BLOCK = -32002;
export const RPC_UPSTREAM_MISMATCH = -32003;
export const RPC_UPSTREAM_FAILED = -32004;

/** A JSON-RPC error object this endpoint returns; `data.mismatch` names what the upstream got wrong. */
export class VerifiedRpcError extends Error {
  readonly rpcCode: number;
  readonly data?: Record<string, unknown>;
  constructor(rpcCode: number, message: string, data?: Record<string, unknown>) {
    super(message);
    this.name = "VerifiedRpcError";
    this.rpcCode = rpcCode;
    this.data = data;
  }
}

const invalidParams = (message: string) => new VerifiedRpcError(-32602, message);
const mismatch = (what: string, message: string) =>
  new VerifiedRpcError(RPC_UPSTREAM_MISMATCH, `upstream answer refused: ${message}`, { mismatch: what });

const ZERO32 = new Uint8Array(32);
const METHODS = new Set([
  "eth_blockNumber",
  "eth_getBalance",
  "eth_getTransactionCount",
  "eth_getCode",
  "eth_getStorageAt",
  "eth_getProof",
]);

/** The account the state trie proves at the head (absent accounts prove as empty). */
export interface ProvenAccount {
  exists: boolean;
  nonce: bigint;
  balance: bigint;
  storageRoot: Uint8Array;
  codeHash: Uint8Array;
}

interface Head {
  number: number;
  hash: string;
  stateRoot: Uint8Array;
}

interface UpstreamProof {
  address: unknown;
  accountProof: unknown;
  balance: unknown;
  codeHash: unknown;
  nonce: unknown;
  storageHash: unknown;
  storageProof: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const quantity = (v: bigint) => `0x${v.toString(16)}`;

function parseQuantity(v: unknown, what: string): bigint {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{1,64}$/.test(v))
    throw mismatch(what, `the upstream's ${what} ${JSON.stringify(v)} is not a hex quantity`);
  return BigInt(v);
}

function parseHash(v: unknown, what: string): Uint8Array {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(v))
    throw mismatch(what, `the upstream's ${what} ${JSON.stringify(v)} is not a 32-byte hash`);
  return fromHex(v);
}

function parseProof(v: unknown, what: string): Uint8Array[] {
  if (!Array.isArray(v) || !v.every((n) => typeof n === "string" && /^0x([0-9a-fA-F]{2})*$/.test(n)))
    throw mismatch(what, `the upstream's ${what} is not a list of hex nodes`);
  return v.map((n: string) => fromHex(n));
}

function parseAddress(v: unknown): string {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(v))
    throw invalidParams(`address must be 0x + 20 bytes hex, got ${JSON.stringify(v)}`);
  return v.toLowerCase();
}

/** A storage slot as the 32-byte key the trie uses (clients send quantities or 32-byte data). */
function parseSlot(v: unknown): Uint8Array {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{1,64}$/.test(v))
    throw invalidParams(`storage slot must be a hex value of at most 32 bytes, got ${JSON.stringify(v)}`);
  const hex = v.slice(2).padStart(64, "0");
  return fromHex(`0x${hex}`);
}

const bytesToBigInt = (b: Uint8Array) => (b.length === 0 ? 0n : BigInt(toHex(b)));

/**
 * The value at `key` in the trie with root `root`, from proof nodes (keys hashed with keccak, as in the
 * state and storage tries). Null when the proof shows the key absent; throws when the nodes do not link
 * up from the root to the key's path.
 */
export async function provenValue(
  root: Uint8Array,
  key: Uint8Array,
  proof: Uint8Array[],
): Promise<Uint8Array | null> {
  const trie = new MerklePatriciaTrie({ root, useKeyHashing: true });
  await updateMPTFromMerkleProof(trie, proof, true);
  return trie.get(key, true);
}

/** Checks an account proof against the state root and decodes the account it proves. */
export async function verifyAccountProof(
  stateRoot: Uint8Array,
  address: Uint8Array,
  proof: Uint8Array[],
): Promise<ProvenAccount> {
  let value: Uint8Array | null;
  try {
    value = await provenValue(stateRoot, address, proof);
  } catch (e) {
    throw mismatch(
      "accountProof",
      `the account proof for ${toHex(address)} does not verify against the verified state root ${toHex(stateRoot)} (${errorMessage(e)})`,
    );
  }
  if (value === null)
    return { exists: false, nonce: 0n, balance: 0n, storageRoot: KECCAK256_RLP, codeHash: KECCAK256_NULL };
  const fields = RLP.decode(value);
  if (!Array.isArray(fields) || fields.length !== 4 || !fields.every((f) => f instanceof Uint8Array))
    throw mismatch("accountProof", `the proven account ${toHex(address)} is not an RLP list of 4 fields`);
  const [nonce, balance, storageRoot, codeHash] = fields as Uint8Array[];
  if (!nonce || !balance || !storageRoot || !codeHash || storageRoot.length !== 32 || codeHash.length !== 32)
    throw mismatch("accountProof", `the proven account ${toHex(address)} has malformed fields`);
  return {
    exists: true,
    nonce: bytesToBigInt(nonce),
    balance: bytesToBigInt(balance),
    storageRoot,
    codeHash,
  };
}

/** The verified JSON-RPC endpoint: one instance per light node, stateless between requests. */
export class VerifiedRpc {
  private readonly opts: VerifiedRpcOpts;
  private readonly m: VerifiedRpcModules;
  private readonly upstream: JsonRpcClient;

  constructor(opts: Partial<VerifiedRpcOpts> & { upstreamUrl: string }, modules: VerifiedRpcModules) {
    this.opts = { ...defaultVerifiedRpcOpts, ...opts };
    this.m = modules;
    this.upstream = new JsonRpcClient(
      { url: this.opts.upstreamUrl, timeoutMs: this.opts.timeoutMs },
      { clock: modules.clock },
    );
  }

  get upstreamUrl(): string {
    return this.upstream.url;
  }

  /** Serves one HTTP request (POST, JSON-RPC 2.0 object or batch). */
  async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST") {
      send(405, rpcErrorBody(null, new VerifiedRpcError(-32600, "verified JSON-RPC takes POST")));
      return;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.opts.maxBodyBytes) {
        send(
          413,
          rpcErrorBody(
            null,
            new VerifiedRpcError(-32600, `request body over ${this.opts.maxBodyBytes} bytes`),
          ),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      send(200, rpcErrorBody(null, new VerifiedRpcError(-32700, "parse error: the body is not JSON")));
      return;
    }
    send(200, await this.handle(parsed));
  }

  /** Answers a parsed JSON-RPC request object or batch. */
  async handle(body: unknown): Promise<unknown> {
    if (Array.isArray(body)) {
      if (body.length === 0) return rpcErrorBody(null, new VerifiedRpcError(-32600, "empty batch"));
      if (body.length > this.opts.maxBatch)
        return rpcErrorBody(null, new VerifiedRpcError(-32600, `batch over ${this.opts.maxBatch} calls`));
      return Promise.all(body.map((r) => this.handleOne(r)));
    }
    return this.handleOne(body);
  }

  private async handleOne(r: unknown): Promise<unknown> {
    if (!isObject(r) || r.jsonrpc !== "2.0" || typeof r.method !== "string")
      return rpcErrorBody(
        isObject(r) ? (r.id ?? null) : null,
        new VerifiedRpcError(-32600, "invalid request: needs jsonrpc '2.0' and a method"),
      );
    const id = r.id ?? null;
    const params = r.params === undefined ? [] : r.params;
    if (!Array.isArray(params))
      return rpcErrorBody(id, invalidParams("params must be an array (positional parameters)"));
    const t0 = this.m.clock.now();
    try {
      const result = await this.call(r.method, params);
      this.m.metrics?.recordRpcCheck(r.method, this.m.clock.now() - t0, true);
      return { jsonrpc: "2.0", id, result };
    } catch (e) {
      if (METHODS.has(r.method)) this.m.metrics?.recordRpcCheck(r.method, this.m.clock.now() - t0, false);
      return rpcErrorBody(
        id,
        e instanceof VerifiedRpcError
          ? e
          : new VerifiedRpcError(-32603, `internal error: ${errorMessage(e)}`),
      );
    }
  }

  /** One method's verified result (throws VerifiedRpcError). */
  async call(method: string, params: unknown[]): Promise<unknown> {
    if (!METHODS.has(method))
      throw new VerifiedRpcError(
        -32601,
        `the method ${method} is not served by the verified endpoint (it answers ${[...METHODS].join(", ")})`,
      );
    const head = this.currentHead();
    if (method === "eth_blockNumber") return quantity(BigInt(head.number));
    const address = parseAddress(params[0]);
    if (method === "eth_getStorageAt") {
      const slot = parseSlot(params[1]);
      this.checkBlock(params[2], head);
      const { storage } = await this.proven(head, address, [slot]);
      return toHex(storage[0] ?? ZERO32);
    }
    if (method === "eth_getProof") {
      if (!Array.isArray(params[1]))
        throw invalidParams("eth_getProof takes (address, storageKeys[], block)");
      if (params[1].length > MAX_STORAGE_KEYS)
        throw invalidParams(`eth_getProof takes at most ${MAX_STORAGE_KEYS} storage keys per call`);
      const slots = params[1].map(parseSlot);
      this.checkBlock(params[2], head);
      return (await this.proven(head, address, slots)).answer;
    }
    this.checkBlock(params[1], head);
    const { account } = await this.proven(head, address, []);
    if (method === "eth_getBalance") return quantity(account.balance);
    if (method === "eth_getTransactionCount") return quantity(account.nonce);
    // eth_getCode: the upstream's code must hash to the proven code hash.
    if (bytesEqual(account.codeHash, KECCAK256_NULL)) return "0x";
    const code = await this.askAt("eth_getCode", [address], head);
    if (typeof code !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(code))
      throw mismatch("code", `the upstream's code for ${address} is not hex data`);
    const got = keccak_256(fromHex(code));
    if (!bytesEqual(got, account.codeHash))
      throw mismatch(
        "code",
        `the upstream's code for ${address} hashes to ${toHex(got)}, not the proven code hash ${toHex(account.codeHash)} (block ${head.number})`,
      );
    return code;
  }

  private currentHead(): Head {
    const h = this.m.head();
    if (!h)
      throw new VerifiedRpcError(
        RPC_NO_VERIFIED_HEAD,
        "no verified execution head yet: the light node has not seen a proven payload (see GET /eth/v1/eproof/light/head)",
      );
    return {
      number: h.executionBlockNumber,
      hash: h.executionBlockHash.toLowerCase(),
      stateRoot: fromHex(h.stateRoot),
    };
  }

  /** Only the verified head is answerable: "latest", its number or its hash (EIP-1898 objects too). */
  private checkBlock(tag: unknown, head: Head): void {
    const refuse = (what: string) =>
      new VerifiedRpcError(
        RPC_UNVERIFIED_BLOCK,
        `block ${what} is not verified: this endpoint answers only for the verified head (block ${head.number}, ${head.hash}); use "latest", ${quantity(BigInt(head.number))} or the head's hash`,
      );
    if (tag === undefined || tag === "latest") return;
    if (isObject(tag)) {
      const inner = typeof tag.blockHash === "string" ? tag.blockHash : tag.blockNumber;
      if (typeof inner === "string") {
        this.checkBlock(inner, head);
        return;
      }
      throw invalidParams("a block object needs blockHash or blockNumber");
    }
    if (typeof tag !== "string")
      throw invalidParams(`block must be a tag, number or hash, got ${JSON.stringify(tag)}`);
    if (/^0x[0-9a-fA-F]{64}$/.test(tag)) {
      if (tag.toLowerCase() === head.hash) return;
      throw refuse(tag);
    }
    if (/^0x[0-9a-fA-F]{1,16}$/.test(tag)) {
      if (BigInt(tag) === BigInt(head.number)) return;
      throw refuse(`${BigInt(tag)}`);
    }
    throw refuse(JSON.stringify(tag));
  }

  /**
   * A call at the head: by hash (EIP-1898), or by number for an upstream that takes only strings (the
   * EthereumJS client answers -32602). Either way the answer is checked against the head's state root,
   * so a number that names another block (a reorg) gives a mismatch error, never a wrong answer.
   */
  private async askAt(method: string, params: unknown[], head: Head): Promise<unknown> {
    if (!this.blockByNumber) {
      try {
        return await this.upstream.call(method, [...params, { blockHash: head.hash }]);
      } catch (e) {
        if (!(e instanceof RpcError && e.rpcCode === -32602)) throw this.upstreamFailed(e);
        this.blockByNumber = true;
      }
    }
    return this.ask(method, [...params, quantity(BigInt(head.number))]);
  }

  /** Set once the upstream refused a block object: it is asked by number from then on. */
  private blockByNumber = false;

  private async ask(method: string, params: unknown[]): Promise<unknown> {
    try {
      return await this.upstream.call(method, params);
    } catch (e) {
      throw this.upstreamFailed(e);
    }
  }

  private upstreamFailed(e: unknown): VerifiedRpcError {
    return new VerifiedRpcError(
      RPC_UPSTREAM_FAILED,
      `the upstream ${this.upstream.url} failed: ${errorMessage(e)}`,
    );
  }

  /**
   * eth_getProof at the head from the upstream, checked: the account proof against the verified state root,
   * the upstream's account fields against the proven account, each storage proof against the proven storage
   * root and its value against the upstream's. Returns the proven account, the proven 32-byte values of
   * `slots` in order, and the eth_getProof answer rebuilt from the checked values.
   */
  private async proven(
    head: Head,
    address: string,
    slots: Uint8Array[],
  ): Promise<{ account: ProvenAccount; storage: Uint8Array[]; answer: Record<string, unknown> }> {
    const slotHex = slots.map(toHex);
    const raw = await this.askAt("eth_getProof", [address, slotHex], head);
    if (!isObject(raw)) throw mismatch("proof", "the upstream's eth_getProof answer is not an object");
    const p = raw as unknown as UpstreamProof;
    if (typeof p.address !== "string" || p.address.toLowerCase() !== address)
      throw mismatch("address", `the upstream's proof is for ${String(p.address)}, not ${address}`);
    const account = await verifyAccountProof(
      head.stateRoot,
      fromHex(address),
      parseProof(p.accountProof, "accountProof"),
    );
    const at = `for ${address} at block ${head.number}`;
    const balance = parseQuantity(p.balance, "balance");
    if (balance !== account.balance)
      throw mismatch(
        "balance",
        `the upstream's balance ${balance} ${at} is not the proven ${account.balance}`,
      );
    const nonce = parseQuantity(p.nonce, "nonce");
    if (nonce !== account.nonce)
      throw mismatch("nonce", `the upstream's nonce ${nonce} ${at} is not the proven ${account.nonce}`);
    // An absent account: clients answer the empty hashes or zero hashes; anything else is a lie.
    const codeHash = parseHash(p.codeHash, "codeHash");
    if (!bytesEqual(codeHash, account.codeHash) && (account.exists || !bytesEqual(codeHash, ZERO32)))
      throw mismatch(
        "codeHash",
        `the upstream's code hash ${toHex(codeHash)} ${at} is not the proven ${toHex(account.codeHash)}`,
      );
    const storageHash = parseHash(p.storageHash, "storageHash");
    if (!bytesEqual(storageHash, account.storageRoot) && (account.exists || !bytesEqual(storageHash, ZERO32)))
      throw mismatch(
        "storageHash",
        `the upstream's storage hash ${toHex(storageHash)} ${at} is not the proven ${toHex(account.storageRoot)}`,
      );
    if (!Array.isArray(p.storageProof) || p.storageProof.length !== slots.length)
      throw mismatch(
        "storageProof",
        `the upstream sent ${Array.isArray(p.storageProof) ? p.storageProof.length : "no"} storage proofs for ${slots.length} keys`,
      );
    const storage: Uint8Array[] = [];
    const storageProof: { key: string; value: string; proof: string[] }[] = [];
    for (const [i, slot] of slots.entries()) {
      const entry: unknown = p.storageProof[i];
      const key = slotHex[i];
      if (!isObject(entry))
        throw mismatch("storageProof", `the storage proof for slot ${key} is not an object`);
      if (
        typeof entry.key !== "string" ||
        !/^0x[0-9a-fA-F]{1,64}$/.test(entry.key) ||
        BigInt(entry.key) !== bytesToBigInt(slot)
      )
        throw mismatch(
          "storageProof",
          `the storage proof at index ${i} is for key ${String(entry.key)}, not slot ${key}`,
        );
      let value: Uint8Array | null;
      try {
        const nodes = parseProof(entry.proof, "storageProof");
        value = await provenValue(account.storageRoot, slot, nodes);
        storageProof.push({ key: entry.key, value: "", proof: nodes.map(toHex) });
      } catch (e) {
        throw mismatch(
          "storageProof",
          `the storage proof for slot ${key} of ${address} does not verify against the proven storage root ${toHex(account.storageRoot)} (${errorMessage(e)})`,
        );
      }
      let proven = 0n;
      if (value !== null) {
        const decoded = RLP.decode(value);
        if (!(decoded instanceof Uint8Array) || decoded.length > 32)
          throw mismatch(
            "storageProof",
            `the proven value of slot ${key} of ${address} is not an RLP string of ≤ 32 bytes`,
          );
        proven = bytesToBigInt(decoded);
      }
      const claimed = parseQuantity(entry.value, "storage value");
      if (claimed !== proven)
        throw mismatch(
          "storageValue",
          `the upstream's value ${quantity(claimed)} of slot ${key} ${at} is not the proven ${quantity(proven)}`,
        );
      storage.push(fromHex(`0x${proven.toString(16).padStart(64, "0")}`));
      const last = storageProof[storageProof.length - 1];
      if (last) last.value = quantity(proven);
    }
    // The answer passed on is rebuilt from what was checked (nothing unverified the upstream added).
    const answer = {
      address,
      accountProof: parseProof(p.accountProof, "accountProof").map(toHex),
      balance: quantity(account.balance),
      codeHash: toHex(account.codeHash),
      nonce: quantity(account.nonce),
      storageHash: toHex(account.storageRoot),
      storageProof,
    };
    return { account, storage, answer };
  }
}

function rpcErrorBody(id: unknown, e: VerifiedRpcError): unknown {
  return {
    jsonrpc: "2.0",
    id,
    error: { code: e.rpcCode, message: e.message, ...(e.data ? { data: e.data } : {}) },
  };
}
