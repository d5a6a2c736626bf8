// Derives an ExecutionWitness by executing a block against a full pre-state while recording exactly the
// trie nodes, codes and ancestor headers it touched. General on purpose: `RecordingDb` wraps any
// ethereumjs trie database (an in-memory full state here; an eth_getProof-filled one for a fallback
// witness source), `recordWitness` runs one block through it.
import type { Block } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import {
  type Account,
  type Address,
  type BatchDBOp,
  bigIntToBytes,
  createAccount,
  createAddressFromString,
  type DB,
  hexToBytes,
  MapDB,
  type PrefixedHexString,
} from "@ethereumjs/util";
import { runBlock } from "@ethereumjs/vm";
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { ExecutionWitnessValue } from "../spec/stateless.ts";
import { errorMessage } from "../util/errors.ts";
import { createFastVM } from "./crypto.ts";
import { DeferredStorageStateManager, insertBeforeDeleteCaches, trieOver } from "./witnessState.ts";

type AnyDb = DB<string, string | Uint8Array>;

const CODE_KEY = /^63[0-9a-f]{64}$/;

function asBytes(v: string | Uint8Array): Uint8Array {
  return typeof v === "string" ? Uint8Array.from(Buffer.from(v, "hex")) : v;
}

/**
 * Passes everything through to `inner`, remembering each value read that existed before `start()` (so
 * nodes the block itself wrote are not mistaken for pre-state). Reads inside `suppress()` are not kept.
 */
export class RecordingDb implements AnyDb {
  private readonly inner: AnyDb;
  private readonly reads = new Map<string, Uint8Array>();
  private readonly diverted = new Map<string, Uint8Array>();
  private readonly written = new Set<string>();
  private suppressDepth = 0;

  constructor(inner: AnyDb) {
    this.inner = inner;
  }

  /** Forgets earlier reads and writes: the next block's recording starts here. */
  start(): void {
    this.reads.clear();
    this.diverted.clear();
    this.written.clear();
  }

  async suppress<T>(fn: () => Promise<T>): Promise<T> {
    this.suppressDepth++;
    try {
      return await fn();
    } finally {
      this.suppressDepth--;
    }
  }

  async get(key: string): Promise<string | Uint8Array | undefined> {
    const v = await this.inner.get(key);
    if (v !== undefined && !this.written.has(key) && !this.reads.has(key)) {
      (this.suppressDepth === 0 ? this.reads : this.diverted).set(key, asBytes(v));
    }
    return v;
  }
  async put(key: string, val: string | Uint8Array): Promise<void> {
    this.written.add(key);
    await this.inner.put(key, val);
  }
  async del(key: string): Promise<void> {
    await this.inner.del(key);
  }
  async batch(ops: BatchDBOp<string, string | Uint8Array>[]): Promise<void> {
    for (const op of ops) {
      if (op.type === "put") await this.put(op.key, op.value);
      else await this.del(op.key);
    }
  }
  shallowCopy(): AnyDb {
    return this;
  }
  async open(): Promise<void> {}

  /**
   * The recorded reads split into trie nodes and codes, in first-read order; with `withSuppressed`, also
   * what was read inside `suppress()` (kept apart, not dropped, so a caller can still add it).
   */
  recorded(withSuppressed = false): { state: Uint8Array[]; codes: Uint8Array[] } {
    const state: Uint8Array[] = [];
    const codes: Uint8Array[] = [];
    const add = (key: string, value: Uint8Array): void => {
      (CODE_KEY.test(key) ? codes : state).push(value);
    };
    for (const [key, value] of this.reads) add(key, value);
    if (withSuppressed) for (const [key, value] of this.diverted) if (!this.reads.has(key)) add(key, value);
    return { state, codes };
  }
}

/**
 * The stateful state manager used while recording: the system address read around EIP-7002/7251 system
 * calls is not recorded (the stateless engine tolerates its absence), everything else is.
 */
class RecordingStateManager extends DeferredStorageStateManager {
  private readonly db: RecordingDb;
  private readonly systemAddressHex: string;
  inTransaction = false;
  constructor(
    db: RecordingDb,
    opts: ConstructorParameters<typeof MerkleStateManager>[0],
    systemAddressHex: string,
  ) {
    super(opts);
    this.db = db;
    this.systemAddressHex = systemAddressHex;
  }
  private isSystem(address: Address): boolean {
    return !this.inTransaction && address.toString() === this.systemAddressHex;
  }
  override async getAccount(address: Address): Promise<Account | undefined> {
    return this.isSystem(address)
      ? this.db.suppress(() => super.getAccount(address))
      : super.getAccount(address);
  }
  override async putAccount(address: Address, account: Account | undefined): Promise<void> {
    return this.isSystem(address)
      ? this.db.suppress(() => super.putAccount(address, account))
      : super.putAccount(address, account);
  }
  override async deleteAccount(address: Address): Promise<void> {
    return this.isSystem(address)
      ? this.db.suppress(() => super.deleteAccount(address))
      : super.deleteAccount(address);
  }
}

/** Ancestor headers by number (RLP), from whatever chain the caller keeps. */
export type HeaderLookup = (number: bigint) => Uint8Array | undefined;

export interface RecordedBlock {
  witness: ExecutionWitnessValue;
  /** Verdict of the stateful run (the full pre-state executes the block). */
  valid: boolean;
  reason?: string;
  gasUsed: bigint;
  /** Post-state root after a valid run (the backing DB now holds that state too). */
  stateRoot?: Uint8Array;
}

const SYSTEM_ADDRESS_HEX = "0xfffffffffffffffffffffffffffffffffffffffe";

/**
 * Executes `block` on the full state at `parentStateRoot` held by `db`, recording the witness. On success
 * the new state is written to the backing database (blocks can be chained); on failure nothing is.
 */
export async function recordWitness(opts: {
  block: Block;
  common: Common;
  db: RecordingDb;
  parentStateRoot: Uint8Array;
  headers: HeaderLookup;
}): Promise<RecordedBlock> {
  const { block, db } = opts;
  const common = opts.common.copy();
  common.setHardforkBy({ blockNumber: block.header.number, timestamp: block.header.timestamp });
  db.start();
  const accessed = new Set<bigint>();
  const blockchain = {
    async getBlock(n: number | bigint | Uint8Array): Promise<{ hash(): Uint8Array }> {
      if (typeof n !== "number" && typeof n !== "bigint")
        throw new Error("block lookup by hash is not supported");
      const num = BigInt(n);
      accessed.add(num);
      const rlp = opts.headers(num);
      if (!rlp) throw new Error(`no header #${num} in the chain`);
      const hash = keccak_256(rlp);
      return { hash: () => hash };
    },
    async putBlock(): Promise<void> {},
    shallowCopy() {
      return this;
    },
  };
  const trie = await trieOver(db, opts.parentStateRoot, common);
  const stateManager = new RecordingStateManager(
    db,
    { trie, common, caches: insertBeforeDeleteCaches() },
    SYSTEM_ADDRESS_HEX,
  );
  const vm = await createFastVM({ common, stateManager, blockchain });
  vm.events.on("beforeTx", () => {
    stateManager.inTransaction = true;
  });
  vm.events.on("afterTx", () => {
    stateManager.inTransaction = false;
  });
  let valid = true;
  let reason: string | undefined;
  let gasUsed = block.header.gasUsed;
  let stateRoot: Uint8Array | undefined;
  try {
    const result = await runBlock(vm, { block, skipHeaderValidation: true, setHardfork: false });
    gasUsed = result.gasUsed;
    stateRoot = result.stateRoot;
  } catch (e) {
    valid = false;
    reason = errorMessage(e).replace(/\s+/g, " ").slice(0, 400);
  }
  const parentNumber = block.header.number - 1n;
  let oldest = parentNumber;
  for (const n of accessed) if (n < oldest) oldest = n;
  const headers: Uint8Array[] = [];
  for (let n = oldest; n <= parentNumber; n++) {
    const rlp = opts.headers(n);
    if (rlp) headers.push(rlp);
  }
  // The stateless engine tolerates an unproven system address only if it ends unchanged (system calls
  // restore it); when the block did change it (a withdrawal to 0xff…fe), its proof belongs in the witness.
  const systemChanged =
    !valid || !stateRoot || (await systemAccountChanged(db, common, opts.parentStateRoot, stateRoot));
  const { state, codes } = db.recorded(systemChanged);
  const out: RecordedBlock = { witness: { state, codes, headers }, valid, gasUsed };
  if (reason !== undefined) out.reason = reason;
  if (stateRoot) out.stateRoot = stateRoot;
  return out;
}

async function systemAccountChanged(
  db: RecordingDb,
  common: Common,
  before: Uint8Array,
  after: Uint8Array,
): Promise<boolean> {
  const address = createAddressFromString(SYSTEM_ADDRESS_HEX);
  const read = async (root: Uint8Array): Promise<string> =>
    db.suppress(async () => {
      const sm = new MerkleStateManager({ trie: await trieOver(db, root, common), common });
      const account = await sm.getAccount(address);
      return account ? Buffer.from(account.serialize()).toString("hex") : "";
    });
  return (await read(before)) !== (await read(after));
}

/** One account of a genesis `alloc` / BlockchainTest `pre` (hex strings). */
export interface AllocAccount {
  nonce?: string;
  balance?: string;
  code?: string;
  storage?: Record<string, string>;
}

/** Writes a full pre-state into a fresh in-memory database; returns it (wrapped for recording) and its root. */
export async function fullStateFromAlloc(
  alloc: Record<string, AllocAccount>,
  common: Common,
): Promise<{ db: RecordingDb; stateRoot: Uint8Array }> {
  const db = new RecordingDb(new MapDB<string, string | Uint8Array>());
  const trie = await trieOver(
    db,
    new Uint8Array(hexToBytes("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")),
    common,
  );
  const sm = new MerkleStateManager({ trie, common });
  for (const [addrHex, acct] of Object.entries(alloc)) {
    const address = createAddressFromString(addrHex);
    await sm.putAccount(
      address,
      createAccount({ nonce: BigInt(acct.nonce ?? "0x0"), balance: BigInt(acct.balance ?? "0x0") }),
    );
    const code = acct.code && acct.code !== "0x" ? hexToBytes(acct.code as PrefixedHexString) : undefined;
    if (code) await sm.putCode(address, code);
    for (const [slot, value] of Object.entries(acct.storage ?? {})) {
      if (BigInt(value) === 0n) continue;
      const key = hexToBytes(`0x${BigInt(slot).toString(16).padStart(64, "0")}`);
      await sm.putStorage(address, key, bigIntToBytes(BigInt(value)));
    }
  }
  const stateRoot = await sm.getStateRoot();
  return { db, stateRoot };
}
