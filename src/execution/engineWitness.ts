// Execution witnesses that arrive through the Engine API: `engine_newPayloadWithWitnessV5` answers
// the PayloadStatus plus `witness`, the hex of the RLP list `[headers, codes, state]` (geth, Nethermind
// and Nimbus; some clients append a fourth `keys` list, ignored). `headers` holds RLP-encoded block
// headers embedded as RLP lists, `codes` and `state` hold byte strings. Layout as eth-act/zkboost
// reads it: crates/server/src/engine.rs (module comment, `decode_engine_witness`) at commit
// 315c619a257c17609f47ab705dd2c5deda4b94f9 (also 2d2794b329f336d6ea70204e52567c08abd990cd).
//
// EngineWitnessCache is the WitnessSource the gateway feeds: a witness the EL delivered for a block
// is served from memory (bounded, oldest evicted); a block whose witness call is still in flight is
// waited for (bounded); anything else goes to the fallback source (debug_executionWitness).
import { RLP } from "@ethereumjs/rlp";
import type { ForkedNewPayloadRequest } from "../spec/newPayloadRequest.ts";
import type { ExecutionWitnessValue } from "../spec/stateless.ts";
import type { Clock } from "../util/clock.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { fromHex, toHex } from "../util/hex.ts";
import type { ExecutionMetrics, FetchedWitness, WitnessRequest, WitnessSource } from "./interface.ts";

export const ENGINE_WITNESS_METHOD = "engine_newPayloadWithWitnessV5";

/** Bounds of the SSZ ExecutionWitness (`headers: List[ByteList[1024], 256]`), checked at decode time. */
export const MAX_WITNESS_HEADERS = 256;
export const MAX_WITNESS_HEADER_BYTES = 1024;

type Rlp = Uint8Array | Rlp[];

function bad(message: string, cause?: unknown): EproofError {
  return new EproofError("BAD_INPUT", `engine witness: ${message}`, cause ? { cause } : undefined);
}

function asList(v: Rlp | undefined, what: string): Rlp[] {
  if (v === undefined) throw bad(`the ${what} field is missing`);
  if (!Array.isArray(v)) throw bad(`${what} is not an RLP list`);
  return v;
}

function byteStrings(v: Rlp | undefined, what: string): Uint8Array[] {
  return asList(v, what).map((item, i) => {
    if (!(item instanceof Uint8Array)) throw bad(`${what}[${i}] is not an RLP byte string`);
    return item;
  });
}

/** Lists nest at most this deep in a witness: the witness, `headers`, one header (one spare level). */
const MAX_LIST_DEPTH = 4;

/**
 * A linear pre-scan of the RLP item structure that rejects lists nested deeper than maxDepth and
 * lengths that overrun their enclosing list. RLP.decode copies each list's payload, so deep
 * nesting would cost quadratic time there (and recursion depth); canonical-form checks stay with it.
 */
function checkNesting(bytes: Uint8Array, maxDepth: number): void {
  const ends: number[] = [];
  let pos = 0;
  const readLength = (at: number, n: number): number => {
    if (n > 6 || at + n > bytes.length) throw bad("not decodable RLP: length prefix overruns the input");
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (bytes[at + i] as number);
    return len;
  };
  while (pos < bytes.length) {
    const b = bytes[pos] as number;
    let next: number;
    let listEnd: number | undefined;
    if (b < 0x80) next = pos + 1;
    else if (b <= 0xb7) next = pos + 1 + (b - 0x80);
    else if (b <= 0xbf) next = pos + 1 + (b - 0xb7) + readLength(pos + 1, b - 0xb7);
    else if (b <= 0xf7) {
      next = pos + 1;
      listEnd = next + (b - 0xc0);
    } else {
      next = pos + 1 + (b - 0xf7);
      listEnd = next + readLength(pos + 1, b - 0xf7);
    }
    const bound = ends.at(-1) ?? bytes.length;
    if ((listEnd ?? next) > bound) throw bad("not decodable RLP: an item overruns its enclosing list");
    if (listEnd !== undefined) {
      ends.push(listEnd);
      if (ends.length > maxDepth) throw bad(`lists nest deeper than ${maxDepth} levels`);
    }
    pos = next;
    while (ends.length > 0 && pos === ends.at(-1)) ends.pop();
  }
}

/**
 * Decodes the RLP witness `[headers, codes, state, keys?]`. Headers stay in their RLP encoding
 * (the decoder accepts canonical RLP only, so re-encoding a decoded header gives back its bytes).
 * Malformed or hostile input is an EproofError (BAD_INPUT), never another exception.
 */
export function decodeEngineWitness(bytes: Uint8Array): ExecutionWitnessValue {
  checkNesting(bytes, MAX_LIST_DEPTH);
  let top: Rlp;
  try {
    top = RLP.decode(bytes) as Rlp;
  } catch (e) {
    // Includes RangeError from absurdly deep nesting.
    throw bad(`not decodable RLP: ${errorMessage(e)}`, e);
  }
  const fields = asList(top, "witness");
  const headerItems = asList(fields[0], "headers");
  if (headerItems.length > MAX_WITNESS_HEADERS) {
    throw bad(`${headerItems.length} headers, at most ${MAX_WITNESS_HEADERS} fit the witness`);
  }
  const headers = headerItems.map((h, i) => {
    if (!Array.isArray(h)) throw bad(`headers[${i}] is not an RLP list (a block header)`);
    const encoded = RLP.encode(h);
    if (encoded.length > MAX_WITNESS_HEADER_BYTES) {
      throw bad(`headers[${i}] is ${encoded.length} bytes, at most ${MAX_WITNESS_HEADER_BYTES}`);
    }
    return encoded;
  });
  const codes = byteStrings(fields[1], "codes");
  const state = byteStrings(fields[2], "state");
  return { headers, codes, state };
}

/** The RLP list `[headers, codes, state]` an execution client sends (headers embedded as lists). */
export function encodeEngineWitness(w: ExecutionWitnessValue): Uint8Array {
  const headers = w.headers.map((h, i) => {
    let decoded: Rlp;
    try {
      decoded = RLP.decode(h) as Rlp;
    } catch (e) {
      throw bad(`headers[${i}] is not RLP: ${errorMessage(e)}`, e);
    }
    if (!Array.isArray(decoded)) throw bad(`headers[${i}] is not an RLP list (a block header)`);
    return decoded;
  });
  return RLP.encode([headers, w.codes, w.state]);
}

/** The `witness` field of an engine_newPayloadWithWitnessV5 result (0x-hex of the RLP list). */
export function witnessFromEngineField(v: unknown): ExecutionWitnessValue {
  if (typeof v !== "string")
    throw bad(`the witness field is ${v === null ? "null" : typeof v}, not hex DATA`);
  let bytes: Uint8Array;
  try {
    bytes = fromHex(v, "witness");
  } catch (e) {
    throw bad(errorMessage(e), e);
  }
  return decodeEngineWitness(bytes);
}

/**
 * What the gateway tells the proving side about a payload's witness. `expectWitness` comes right
 * before the engine_newPayloadWithWitnessV5 call; exactly one of the other two follows it.
 */
export interface PayloadWitnessSink {
  expectWitness(blockHash: Uint8Array): void;
  /** The EL answered VALID with a witness that decoded. */
  onPayloadWitness(npr: ForkedNewPayloadRequest, witness: ExecutionWitnessValue): void;
  /** No witness will come for the block (method missing, not VALID, malformed, upstream failure). */
  noWitness(blockHash: Uint8Array, reason: string): void;
}

export interface EngineWitnessCacheOpts {
  /** Delivered witnesses kept (oldest evicted). */
  maxEntries: number;
  /** Longest wait for a witness whose Engine API call is in flight before asking the fallback. */
  pendingWaitMs: number;
}

/** 64 blocks (about two epochs) and the gateway's default upstream timeout. */
export const defaultEngineWitnessCacheOpts: EngineWitnessCacheOpts = { maxEntries: 64, pendingWaitMs: 8_000 };

interface Pending {
  promise: Promise<ExecutionWitnessValue | undefined>;
  resolve(w: ExecutionWitnessValue | undefined): void;
}

export class EngineWitnessCache implements WitnessSource, PayloadWitnessSink {
  private readonly fallback: WitnessSource;
  private readonly clock: Clock;
  private readonly metrics?: Pick<ExecutionMetrics, "recordWitnessFetch">;
  private readonly opts: EngineWitnessCacheOpts;
  /** Insertion order = age: the first key is the oldest. */
  private readonly witnesses = new Map<string, ExecutionWitnessValue>();
  private readonly pending = new Map<string, Pending>();

  constructor(
    fallback: WitnessSource,
    modules: { clock: Clock; metrics?: Pick<ExecutionMetrics, "recordWitnessFetch"> },
    opts: Partial<EngineWitnessCacheOpts> = {},
  ) {
    this.fallback = fallback;
    this.clock = modules.clock;
    this.metrics = modules.metrics;
    this.opts = { ...defaultEngineWitnessCacheOpts, ...opts };
    if (!Number.isInteger(this.opts.maxEntries) || this.opts.maxEntries < 1) {
      throw new EproofError(
        "BAD_CONFIG",
        `engine witness cache needs maxEntries ≥ 1, got ${this.opts.maxEntries}`,
      );
    }
  }

  get size(): number {
    return this.witnesses.size;
  }

  has(blockHash: Uint8Array): boolean {
    return this.witnesses.has(toHex(blockHash));
  }

  expectWitness(blockHash: Uint8Array): void {
    const key = toHex(blockHash);
    if (this.witnesses.has(key) || this.pending.has(key)) return;
    let resolve!: (w: ExecutionWitnessValue | undefined) => void;
    const promise = new Promise<ExecutionWitnessValue | undefined>((r) => {
      resolve = r;
    });
    this.pending.set(key, { promise, resolve });
    // A sink that never hears back must not grow: the oldest pending waits are released too.
    while (this.pending.size > this.opts.maxEntries) {
      const [oldest, p] = this.pending.entries().next().value as [string, Pending];
      this.pending.delete(oldest);
      p.resolve(undefined);
    }
  }

  onPayloadWitness(npr: ForkedNewPayloadRequest, witness: ExecutionWitnessValue): void {
    const key = toHex(npr.value.executionPayload.blockHash);
    this.witnesses.delete(key);
    this.witnesses.set(key, witness);
    while (this.witnesses.size > this.opts.maxEntries) {
      const oldest = this.witnesses.keys().next().value as string;
      this.witnesses.delete(oldest);
    }
    this.settle(key, witness);
  }

  noWitness(blockHash: Uint8Array): void {
    this.settle(toHex(blockHash), undefined);
  }

  async fetchWitness(req: WitnessRequest, signal?: AbortSignal): Promise<FetchedWitness> {
    const key = toHex(req.blockHash);
    const t0 = this.clock.now();
    let witness = this.witnesses.get(key);
    if (!witness) {
      const p = this.pending.get(key);
      if (p) witness = await this.waitFor(p, signal);
    }
    if (witness) {
      const ms = this.clock.now() - t0;
      this.metrics?.recordWitnessFetch(ENGINE_WITNESS_METHOD, ms, true);
      return { witness, method: ENGINE_WITNESS_METHOD, ms };
    }
    return this.fallback.fetchWitness(req, signal);
  }

  private settle(key: string, witness: ExecutionWitnessValue | undefined): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    p.resolve(witness);
  }

  /** The pending witness, or undefined after pendingWaitMs; an abort rejects with its reason. */
  private async waitFor(p: Pending, signal?: AbortSignal): Promise<ExecutionWitnessValue | undefined> {
    const timer = new AbortController();
    const both = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
    const timeout = this.clock.sleep(this.opts.pendingWaitMs, both).then(
      () => undefined,
      (e: unknown) => {
        if (signal?.aborted) throw e;
        return undefined;
      },
    );
    try {
      return await Promise.race([p.promise, timeout]);
    } finally {
      timer.abort();
    }
  }
}
