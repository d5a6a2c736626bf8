// Pre-state built from an ExecutionWitness alone: a trie database holding exactly the witness nodes and
// codes that throws on any miss (a missing node must fail the block, never read as "empty"), a state
// manager that tolerates only the system address during post-transaction system calls, and a header
// chain answering BLOCKHASH from the witness headers.
import type { Common } from "@ethereumjs/common";
import { createMPT, type MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { Caches, MerkleStateManager } from "@ethereumjs/statemanager";
import {
  Account,
  type Address,
  type BatchDBOp,
  bytesToHex,
  bytesToUnprefixedHex,
  concatBytes,
  createAccountFromRLP,
  createAddressFromString,
  type DB,
  unpadBytes,
  unprefixedHexToBytes,
  ValueEncoding,
} from "@ethereumjs/util";
import { keccak256 } from "./crypto.ts";
import { batchUpdate, HashIndex, readLeaf, type TrieNodes, type TrieWrite } from "./sparseTrie.ts";
import { installTrieNodeCache } from "./trieNodeCache.ts";

export type WitnessPart = "node" | "code" | "header";

/** Thrown from inside execution when the witness lacks something execution needs. */
export class MissingWitnessError extends Error {
  readonly part: WitnessPart;
  readonly key: string;
  constructor(part: WitnessPart, key: string) {
    super(`witness incomplete: missing ${part} ${key}`);
    this.part = part;
    this.key = key;
    this.name = "MissingWitnessError";
  }
}

/** Finds a MissingWitnessError anywhere in an error's cause chain (ethereumjs sometimes wraps errors). */
export function findMissingWitness(e: unknown): MissingWitnessError | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 8 && cur; depth++) {
    if (cur instanceof MissingWitnessError) return cur;
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  if (e instanceof Error && /witness incomplete: missing/.test(e.message)) {
    const m = /missing (node|code|header) (\S+)/.exec(e.message);
    if (m?.[1] && m[2]) return new MissingWitnessError(m[1] as WitnessPart, m[2]);
  }
  return undefined;
}

/** The statemanager stores code under 'c' ‖ code hash in the trie's database (prefixCodeHashes). */
const CODE_PREFIX_HEX = "63";
const CODE_PREFIX = Uint8Array.of(0x63);
const EMPTY_TRIE_ROOT_HEX = "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";

export function codeDbKey(codeHash: Uint8Array): string {
  return CODE_PREFIX_HEX + bytesToUnprefixedHex(codeHash);
}

/** Node and code store keyed like ethereumjs' CheckpointDB expects (unprefixed hex), throwing on misses. */
export class WitnessNodeDb implements DB<string, string | Uint8Array> {
  private readonly map: Map<string, Uint8Array>;
  /** The witness's state nodes by hash bytes (fromWitness), for the decoded-node reads. */
  private readonly byHash: HashIndex<Uint8Array> | undefined;
  /** Nodes the batched root update made (set), looked up after the witness's own. */
  private readonly made: Map<string, Uint8Array>;
  /**
   * Where else a node the update made can be found (the engine's TrieNodes, which keeps their
   * encodings by hash bytes: no hex key and no map insert per node), asked after `made`.
   */
  madeElsewhere: ((key: string) => Uint8Array | undefined) | undefined;
  constructor(
    map: Map<string, Uint8Array> = new Map(),
    byHash?: HashIndex<Uint8Array>,
    made: Map<string, Uint8Array> = new Map(),
  ) {
    this.map = map;
    this.byHash = byHash;
    this.made = made;
  }
  static fromWitness(state: readonly Uint8Array[], codes: readonly Uint8Array[]): WitnessNodeDb {
    const map = new Map<string, Uint8Array>();
    const byHash = new HashIndex<Uint8Array>();
    for (const node of state) {
      // Some clients include the empty-trie node 0x80; ethereumjs never looks it up and cannot decode it.
      if (node.length === 1 && node[0] === 0x80) continue;
      const hash = keccak256(node);
      map.set(bytesToUnprefixedHex(hash), node);
      byHash.set(hash, node);
    }
    for (const code of codes) map.set(codeDbKey(keccak256(code)), code);
    return new WitnessNodeDb(map, byHash);
  }
  /** The node stored under the 32-byte `hash`, or undefined (never throws). */
  peekHash(hash: Uint8Array): Uint8Array | undefined {
    return this.byHash?.get(hash) ?? this.peek(bytesToUnprefixedHex(hash));
  }
  get size(): number {
    return this.map.size;
  }
  /** The node or code stored under `key`, or undefined (never throws; for the decoded-node reads). */
  peek(key: string): Uint8Array | undefined {
    return this.map.get(key) ?? this.made.get(key) ?? this.madeElsewhere?.(key);
  }
  /**
   * Stores a node under its hash (unprefixed hex), synchronously (the batched root update). Kept
   * apart from the witness's own map: inserting into that large map (and growing it) cost as much
   * as encoding the nodes.
   */
  set(key: string, value: Uint8Array): void {
    this.made.set(key, value);
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.peek(key);
    if (v === undefined) {
      // The empty trie has no node to prove: ethereumjs reads an absent root as the empty trie.
      if (key === EMPTY_TRIE_ROOT_HEX) return undefined;
      const isCode = key.startsWith(CODE_PREFIX_HEX) && key.length === 66;
      throw new MissingWitnessError(isCode ? "code" : "node", `0x${isCode ? key.slice(2) : key}`);
    }
    return v;
  }
  async put(key: string, val: string | Uint8Array): Promise<void> {
    this.map.set(key, typeof val === "string" ? Buffer.from(val, "hex") : val);
  }
  async del(key: string): Promise<void> {
    this.map.delete(key);
    this.made.delete(key);
    if (this.byHash && key.length === 64) this.byHash.delete(unprefixedHexToBytes(key));
  }
  async batch(ops: BatchDBOp<string, string | Uint8Array>[]): Promise<void> {
    for (const op of ops) {
      if (op.type === "put") await this.put(op.key, op.value);
      else await this.del(op.key);
    }
  }
  shallowCopy(): DB<string, string | Uint8Array> {
    return new WitnessNodeDb(this.map, this.byHash, this.made);
  }
  async open(): Promise<void> {}
}

function insertsFirst<T>(items: T[], isDelete: (item: T) => boolean): T[] {
  return [...items.filter((i) => !isDelete(i)), ...items.filter(isDelete)];
}

/** The part of js-sdsl's OrderedMap that @ethereumjs/statemanager 10.1.3's caches use. */
interface OrderedMapUse<V> {
  getElementByKey(key: string): V | undefined;
  setElement(key: string, value: V): number;
  eraseElementByKey(key: string): boolean;
  size(): number;
  clear(): void;
}

/**
 * A hash map behind the caches' OrderedMap calls. The account, storage and code caches keep their
 * elements in a red-black tree keyed by hex strings but never iterate it (flush, commit and revert
 * walk their insertion-ordered diff Maps), so a plain Map answers the same: each get no longer
 * compares 40-char strings down the tree.
 */
function hashMapAsOrderedMap<V>(): OrderedMapUse<V> {
  const map = new Map<string, V>();
  return {
    getElementByKey: (key) => map.get(key),
    setElement: (key, value) => {
      map.set(key, value);
      return map.size;
    },
    eraseElementByKey: (key) => map.delete(key),
    size: () => map.size,
    clear: () => map.clear(),
  };
}

/** Puts a hash map behind one cache's OrderedMap when it has the 10.1.3 shape (left as is otherwise). */
function useHashMap(cache: object | undefined): void {
  const c = cache as { _orderedMapCache?: { getElementByKey?: unknown; size?: () => number } } | undefined;
  const tree = c?._orderedMapCache;
  if (!c || !tree || typeof tree.getElementByKey !== "function" || tree.size?.() !== 0) return;
  c._orderedMapCache = hashMapAsOrderedMap();
}

/**
 * State caches whose end-of-block flush writes every insert and update before any deletion, per trie,
 * as geth and the execution-specs do. The post-state root is the same in any order, but the nodes
 * needed are not: deleting first can collapse a branch and need a sibling that a later insert keeps
 * from collapsing, and such a sibling is rightly absent from their witnesses. Their elements sit in
 * hash maps (see hashMapAsOrderedMap).
 */
export function insertBeforeDeleteCaches(): Caches {
  const caches = new Caches();
  const { storage, account } = caches;
  useHashMap(caches.account);
  useHashMap(caches.storage);
  useHashMap(caches.code);
  if (storage) {
    const flush = storage.flush.bind(storage);
    // Values are RLP-encoded; an empty value (0x80) is a deletion.
    storage.flush = () =>
      insertsFirst(
        flush(),
        ([, , v]) => v === undefined || v.length === 0 || (v.length === 1 && v[0] === 0x80),
      );
  }
  if (account) {
    const flush = account.flush.bind(account);
    account.flush = () => insertsFirst(flush(), ([, elem]) => elem.accountRLP === undefined);
  }
  return caches;
}

/** A secure (key-hashed) account trie over `db`, rooted at `root`. */
export async function trieOver(
  db: DB<string, string | Uint8Array>,
  root: Uint8Array,
  common: Common,
): Promise<MerklePatriciaTrie> {
  installTrieNodeCache();
  return createMPT({ db, root, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common });
}

/**
 * MerkleStateManager whose storage writes stay in the cache until the end-of-block flush, like its
 * account and code writes. In @ethereumjs/statemanager 10.1.3 `putStorage` also writes the trie at
 * once (`cache.put(…) ?? write(…)`, and put returns undefined), so each SSTORE rehashed the storage
 * trie and deletions met the trie in execution order, needing siblings that geth's witness rightly
 * lacks.
 */
export class DeferredStorageStateManager extends MerkleStateManager {
  override async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    const cache = this._caches?.storage;
    if (!cache) return super.putStorage(address, key, value);
    if (key.length !== 32) throw new Error("Storage key must be 32 bytes long");
    if (value.length > 32) throw new Error("Storage value cannot be longer than 32 bytes");
    if (!(await this.getAccount(address))) throw new Error("putStorage() called on non-existing account");
    cache.put(address, key, RLP.encode(unpadBytes(value)));
  }
}

/**
 * The state manager over a witness trie: a first read of each account, slot or code goes to the trie,
 * so a gap in the witness surfaces where it is used (later reads hit the caches). One exception:
 * EthereumJS reads and restores the system address 0xff…fe around its EIP-7002/7251 system calls,
 * which no client's witness proves. Outside transactions only, a missing proof for that address is
 * shadowed in memory; it must end unchanged or the block fails.
 */
export class WitnessStateManager extends DeferredStorageStateManager {
  private readonly systemAddressHex: string;
  /** Set by the engine from VM events: true while a transaction runs. */
  inTransaction = false;
  private shadow: { active: boolean; account: Account | undefined } = { active: false, account: undefined };
  /**
   * geth's witness rule, off unless asked for: an account whose trie path the witness does not prove
   * reads as absent. geth omits the path of accounts it only looked up and found absent, and its own
   * stateless check reads the gap as empty. Unsound against a hostile witness, so only for geth
   * ExtWitness files, only inside transactions (system contracts must be proven), and every such
   * read is reported. Writes still need the path.
   */
  readonly unprovenAbsent: Set<string> | undefined;
  /**
   * The witness's trie nodes, decoded once each on first use (sparseTrie.ts): a first read of an
   * account or slot walks its path there synchronously, and a key the witness proves absent is
   * answered there too; only a path with a missing node goes to the strict trie (which names the
   * node). The same nodes take the end-of-block flush as one batched update per trie.
   */
  private readonly nodes: TrieNodes | undefined;
  private readonly codeLookup: ((key: string) => Uint8Array | undefined) | undefined;
  /** Accounts decoded from the cache's RLP, by that RLP (each read still gets its own Account). */
  private readonly decodedAccounts = new WeakMap<Uint8Array, Account>();
  /**
   * Codes the code cache holds because they were read (the cache marks every entry as written): the
   * flush skips them, as writing an account's own code back changes nothing but costs a hash of it.
   */
  private readonly readCodes = new WeakSet<Uint8Array>();
  /** First reads answered by walking the decoded witness nodes (for tests and the bench). */
  flatHits = 0;

  /** Validation passes `insertBeforeDeleteCaches()`; without caches every read and write meets the trie. */
  constructor(
    trie: MerklePatriciaTrie,
    common: Common,
    systemAddress: bigint,
    caches?: Caches,
    opts: {
      unprovenAccountsAbsent?: boolean;
      /** The witness nodes (over the trie's node store): synchronous first reads, one batched flush. */
      nodes?: TrieNodes;
      codeLookup?: (key: string) => Uint8Array | undefined;
    } = {},
  ) {
    super(caches ? { trie, common, caches } : { trie, common });
    this.systemAddressHex = `0x${systemAddress.toString(16).padStart(40, "0")}`;
    // The node walks only make sense with caches: a read answered there must be remembered there.
    this.nodes = caches ? opts.nodes : undefined;
    this.codeLookup = caches ? opts.codeLookup : undefined;
    if (opts.unprovenAccountsAbsent) {
      const absent = new Set<string>();
      this.unprovenAbsent = absent;
      // EthereumJS deletes a touched empty account at the end of a transaction, even one that never
      // existed; for an account assumed absent that deletion is a no-op and needs no path.
      const del = trie.del.bind(trie);
      trie.del = async (key: Uint8Array) => {
        if (!absent.has(bytesToHex(key))) await del(key);
      };
    }
  }

  private isShadowable(address: Address): boolean {
    return !this.inTransaction && address.toString() === this.systemAddressHex;
  }

  /** A fresh Account for a cached account RLP, decoded once per RLP. */
  private accountFromRlp(rlp: Uint8Array): Account {
    let a = this.decodedAccounts.get(rlp);
    if (!a) {
      a = createAccountFromRLP(rlp);
      this.decodedAccounts.set(rlp, a);
    }
    return new Account(a.nonce, a.balance, a.storageRoot, a.codeHash);
  }

  /**
   * getAccount's synchronous part: the account (undefined when absent) when the shadow, the cache or
   * the decoded witness nodes answer; null when only the strict trie can.
   */
  private accountSync(address: Address): Account | undefined | null {
    if (this.shadow.active && address.toString() === this.systemAddressHex) return this.shadow.account;
    const nodes = this.nodes;
    const cache = this._caches?.account;
    if (!nodes || !cache) return null;
    const elem = cache.get(address);
    if (elem !== undefined) {
      return elem.accountRLP === undefined ? undefined : this.accountFromRlp(elem.accountRLP);
    }
    const rlp = readLeaf(nodes, this._trie.root(), bytesToUnprefixedHex(keccak256(address.bytes)));
    if (rlp === undefined) return null;
    this.flatHits++;
    const account = rlp === null ? undefined : createAccountFromRLP(rlp);
    cache.put(address, account);
    return account;
  }

  /**
   * getAccount answered synchronously (the patched EVM asks this first for each call frame's
   * caller, recipient and contract): the account, undefined when absent, or null when only the
   * awaited getAccount can tell. The same answer getAccount gives (it asks this first too).
   */
  getAccountSync(address: Address): Account | undefined | null {
    return this.accountSync(address);
  }

  /**
   * getCode answered synchronously (the patched EVM's code loading and EIP-7702 delegation check
   * ask this first): the code when the code cache, or the account and the witness codes, have it;
   * null when only the awaited getCode can tell. Same code and caching as getCode.
   */
  getCodeSync(address: Address): Uint8Array | null {
    const lookup = this.codeLookup;
    const cache = this._caches?.code;
    if (!lookup || !cache) return null;
    const elem = cache.get(address);
    if (elem !== undefined) return elem.code ?? new Uint8Array(0);
    const account = this.accountSync(address);
    if (!account?.isContract()) return null;
    const code = lookup(codeDbKey(account.codeHash));
    if (!code) return null;
    return this.cacheReadCode(cache, address, code);
  }

  /** A code read from the witness codes, cached and marked as read (the flush skips it). */
  private cacheReadCode(cache: NonNullable<Caches["code"]>, address: Address, code: Uint8Array): Uint8Array {
    this.flatHits++;
    cache.put(address, code);
    this.readCodes.add(code);
    return code;
  }

  /**
   * MerkleStateManager.checkpoint (10.1.3: trie checkpoint, cache checkpoint, count), without its
   * promise: the patched EVM journal checkpoints every call frame through this when it exists.
   */
  checkpointSync(): void {
    this._trie.checkpoint();
    this._caches?.checkpoint();
    this._checkpointCount++;
  }

  /**
   * MerkleStateManager.commit for a nested checkpoint (one that cannot end in the flush), without
   * its promises: the patched EVM journal commits every call frame through this first. 10.1.3's
   * trie commit takes the trie's lock (free here), moves the checkpoint's node writes into the
   * parent checkpoint and persists the root only with root persistence; done here the same way.
   * Returns false, having changed nothing, whenever that is not the case (the awaited commit then
   * runs).
   */
  commitSync(): boolean {
    if (this._checkpointCount <= 1) return false;
    const trie = this._trie as unknown as {
      _lock?: { permits?: number };
      _db?: { checkpoints?: { keyValueMap: Map<string, Uint8Array | undefined> }[] };
      _opts?: { useRootPersistence?: boolean };
    };
    const checkpoints = trie._db?.checkpoints;
    if (trie._lock?.permits !== 1 || !Array.isArray(checkpoints) || trie._opts?.useRootPersistence !== false)
      return false;
    const top = checkpoints[checkpoints.length - 1];
    const parent = checkpoints[checkpoints.length - 2];
    if (!top || !parent) return false;
    checkpoints.pop();
    for (const [key, value] of top.keyValueMap) parent.keyValueMap.set(key, value);
    this._caches?.commit();
    this._checkpointCount--;
    return true;
  }

  override async getAccount(address: Address): Promise<Account | undefined> {
    const known = this.accountSync(address);
    if (known !== null) return known;
    try {
      return await super.getAccount(address);
    } catch (e) {
      if (e instanceof MissingWitnessError && this.isShadowable(address)) {
        this.shadow = { active: true, account: undefined };
        return undefined;
      }
      if (
        e instanceof MissingWitnessError &&
        e.part === "node" &&
        this.inTransaction &&
        this.unprovenAbsent
      ) {
        this.unprovenAbsent.add(address.toString());
        return undefined;
      }
      throw e;
    }
  }

  /**
   * A slot's value when the storage cache has it, synchronously (the patched EVM's SLOAD asks this
   * first); undefined when only getStorage can answer. Same value getStorage gives for a cached slot.
   */
  getStorageCached(address: Address, key: Uint8Array): Uint8Array | undefined {
    const nodes = this.nodes;
    const cache = this._caches?.storage;
    if (!nodes || !cache || key.length !== 32) return undefined;
    const cached = cache.get(address, key);
    if (cached !== undefined) return RLP.decode(cached) as Uint8Array;
    // A first read: answered here too when the account and the slot's path are known without the
    // strict trie (getStorage's own first-read path, synchronously).
    const account = this.accountSync(address);
    if (account === null) return undefined;
    if (!account) return new Uint8Array();
    return this.firstSlotRead(nodes, cache, address, account, key);
  }

  /** A first read of a slot over the decoded witness nodes; undefined when a node on its path is missing. */
  private firstSlotRead(
    nodes: TrieNodes,
    cache: NonNullable<Caches["storage"]>,
    address: Address,
    account: Account,
    key: Uint8Array,
  ): Uint8Array | undefined {
    // The account's storage root changes only at the flush (or to empty when its storage is
    // cleared); the slot is read under it.
    const value = readLeaf(nodes, account.storageRoot, bytesToUnprefixedHex(keccak256(key)));
    if (value === undefined) return undefined;
    this.flatHits++;
    // 0x80 (the empty string's RLP): how the storage cache records a slot known to be empty.
    cache.put(address, key, value ?? Uint8Array.of(0x80));
    return value === null ? new Uint8Array() : (RLP.decode(value) as Uint8Array);
  }

  override async getStorage(address: Address, key: Uint8Array): Promise<Uint8Array> {
    const quick = this.getStorageCached(address, key);
    if (quick !== undefined) return quick;
    const nodes = this.nodes;
    const cache = this._caches?.storage;
    if (nodes && cache && key.length === 32) {
      const account = await this.getAccount(address);
      if (!account) return new Uint8Array();
      const value = this.firstSlotRead(nodes, cache, address, account, key);
      if (value !== undefined) return value;
    }
    return super.getStorage(address, key);
  }

  override async getCode(address: Address): Promise<Uint8Array> {
    const lookup = this.codeLookup;
    const cache = this._caches?.code;
    if (lookup && cache) {
      // A cached code answered here, as the base class would (one cache lookup, no second call).
      const elem = cache.get(address);
      if (elem !== undefined) return elem.code ?? new Uint8Array(0);
      const known = this.accountSync(address);
      const account = known !== null ? known : await this.getAccount(address);
      const code = account?.isContract() ? lookup(codeDbKey(account.codeHash)) : undefined;
      if (code) return this.cacheReadCode(cache, address, code);
    }
    return super.getCode(address);
  }

  override async putAccount(address: Address, account: Account | undefined): Promise<void> {
    if (this.shadow.active && address.toString() === this.systemAddressHex) {
      this.shadow.account = account;
      return;
    }
    return super.putAccount(address, account);
  }

  override async deleteAccount(address: Address): Promise<void> {
    if (this.shadow.active && address.toString() === this.systemAddressHex) {
      this.shadow.account = undefined;
      return;
    }
    return super.deleteAccount(address);
  }

  /**
   * Same as the base class, but awaited end to end: the base runs the trie write inside a
   * `new Promise(async …)`, so a missing node there became an unhandled rejection instead of an error.
   */
  protected override async _writeContractStorage(
    address: Address,
    account: Account,
    key: Uint8Array,
    value: Uint8Array,
  ): Promise<void> {
    const storageTrie = this._getStorageTrie(address, account);
    if (value.length > 0) await storageTrie.put(key, RLP.encode(value));
    else await storageTrie.del(key);
    this._storageTries[bytesToUnprefixedHex(address.bytes)] = storageTrie;
    account.storageRoot = storageTrie.root();
    await this.putAccount(address, account);
  }

  /**
   * The end-of-block flush as the base class does it (code, then storage, then accounts, each write
   * meeting the trie), except that each storage trie and the account trie take all their writes in
   * one batched update: sorted, inserts and updates before deletions, each changed node hashed once.
   */
  override async flush(): Promise<void> {
    const caches = this._caches;
    const nodes = this.nodes;
    if (!caches || !nodes) return super.flush();
    for (const [addressHex, elem] of caches.code?.flush() ?? []) {
      const code = elem.code;
      if (code === undefined || this.readCodes.has(code)) continue;
      const codeHash = keccak256(code);
      await this._getCodeDB().put(concatBytes(CODE_PREFIX, codeHash), code);
      const address = createAddressFromString(`0x${addressHex}`);
      if ((await this.getAccount(address)) === undefined) await this.putAccount(address, new Account());
      await this.modifyAccountFields(address, { codeHash });
    }
    const byAddress = new Map<string, TrieWrite[]>();
    for (const [addressHex, keyHex, value] of caches.storage?.flush() ?? []) {
      const decoded = RLP.decode(value ?? new Uint8Array(0)) as Uint8Array;
      const write: TrieWrite = {
        keyHex: bytesToUnprefixedHex(keccak256(unprefixedHexToBytes(keyHex))),
        value: decoded.length > 0 ? RLP.encode(decoded) : undefined,
      };
      const list = byAddress.get(addressHex);
      if (list) list.push(write);
      else byAddress.set(addressHex, [write]);
    }
    for (const [addressHex, writes] of byAddress) {
      const address = createAddressFromString(`0x${addressHex}`);
      const account = await this.getAccount(address);
      if (!account) continue;
      const storageTrie = this._getStorageTrie(address, account);
      storageTrie.root(batchUpdate(storageTrie.root(), writes, nodes));
      this._storageTries[addressHex] = storageTrie;
      account.storageRoot = storageTrie.root();
      await this.putAccount(address, account);
    }
    const accountWrites: TrieWrite[] = [];
    for (const [addressHex, elem] of caches.account?.flush() ?? []) {
      // An account read as absent without proof (geth's rule) is deleted as a no-op, as before.
      if (elem.accountRLP === undefined && this.unprovenAbsent?.has(`0x${addressHex}`)) continue;
      accountWrites.push({
        keyHex: bytesToUnprefixedHex(keccak256(unprefixedHexToBytes(addressHex))),
        value: elem.accountRLP,
      });
    }
    if (accountWrites.length > 0) this._trie.root(batchUpdate(this._trie.root(), accountWrites, nodes));
  }

  /** True when an unproven system account was written and not restored (the witness needed it). */
  shadowChanged(): boolean {
    return this.shadow.active && this.shadow.account !== undefined;
  }

  /** Throws when the shadowed system account did not end as it started (absent). */
  assertShadowUnchanged(): void {
    if (this.shadow.active && this.shadow.account !== undefined) {
      throw new MissingWitnessError(
        "node",
        `for system address ${this.systemAddressHex} (its state changed)`,
      );
    }
  }
}

/** One ancestor header: its hash and RLP. */
export interface ChainHeader {
  number: bigint;
  hash: Uint8Array;
}

/** The blockchain face the EVM asks for BLOCKHASH; answers only from witness headers. */
export class WitnessHeaderChain {
  private readonly byNumber: Map<bigint, Uint8Array>;
  readonly accessed = new Set<bigint>();
  constructor(headers: readonly ChainHeader[]) {
    this.byNumber = new Map(headers.map((h) => [h.number, h.hash]));
  }
  async getBlock(blockId: number | bigint | Uint8Array): Promise<{ hash(): Uint8Array }> {
    if (typeof blockId !== "number" && typeof blockId !== "bigint") {
      throw new MissingWitnessError("header", bytesToHex(blockId));
    }
    const n = BigInt(blockId);
    this.accessed.add(n);
    const hash = this.byNumber.get(n);
    if (!hash) throw new MissingWitnessError("header", `#${n}`);
    return { hash: () => hash };
  }
  async putBlock(): Promise<void> {}
  shallowCopy(): WitnessHeaderChain {
    return this;
  }
}
