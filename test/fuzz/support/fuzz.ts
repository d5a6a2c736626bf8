// Shared pieces of the fuzz suite (issue 18): run counts (bounded in `npm test`, FUZZ_RUNS for a long
// run), hostile-byte arbitraries built from valid seeds, fast-check arbitraries derived from SSZ types,
// and a record of how many inputs each property ran (test-output/fuzz-runs.jsonl).
import { appendFileSync, mkdirSync } from "node:fs";
import fc from "fast-check";
import { expect } from "vitest";
import { EproofError } from "../../../src/util/errors.ts";

export { type ArbitraryLimits, arbitraryOf, hostileBytes } from "./arbitraries.ts";

const LONG_RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : undefined;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
export const LONG_RUN = LONG_RUNS !== undefined && Number.isFinite(LONG_RUNS) && LONG_RUNS > 0;

/**
 * Inputs per property: `bounded` inside `npm test`; FUZZ_RUNS in a long run (divided by `costly` for
 * properties that each cost a real HTTP request or stream, so a million-run pass ends the same day).
 */
export function runs(bounded: number, costly = 1): number {
  if (!LONG_RUN || LONG_RUNS === undefined) return bounded;
  return Math.max(bounded, Math.floor(LONG_RUNS / costly));
}

/** Test timeout that grows with the run count (the only hang detector: a hang never finishes). */
export function timeoutFor(numRuns: number, msPerRun = 5): number {
  return LONG_RUN ? 0 : Math.max(60_000, numRuns * msPerRun);
}

export function params<T>(numRuns: number): fc.Parameters<T> {
  return { numRuns, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true };
}

function record(name: string, inputs: number): void {
  mkdirSync("test-output", { recursive: true });
  appendFileSync(
    "test-output/fuzz-runs.jsonl",
    `${JSON.stringify({ name, inputs, long: LONG_RUN, at: new Date().toISOString() })}\n`,
  );
}

/** fc.assert over a sync property, recording how many inputs ran. */
export function check<T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void, numRuns: number) {
  let n = 0;
  fc.assert(
    fc.property(arb, (v) => {
      n++;
      predicate(v);
    }),
    params(numRuns),
  );
  record(name, n);
}

export async function checkAsync<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  predicate: (v: T) => Promise<void>,
  numRuns: number,
): Promise<void> {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(arb, async (v) => {
      n++;
      await predicate(v);
    }),
    params(numRuns),
  );
  record(name, n);
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** True when `e` is exactly one of `allowed` (by class, so a TypeError never passes for an Error). */
function isClean(e: unknown, allowed: readonly ErrorClass[]): boolean {
  return e instanceof Error && allowed.some((c) => e.constructor === c);
}

function unclean(e: unknown): Error {
  return new Error(`unclean error ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
}

/** Runs `fn`; a throw must be exactly one of `allowed` (EproofError unless told), never anything else. */
export function cleanOrThrow<T>(fn: () => T, allowed: readonly ErrorClass[] = [EproofError]): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!isClean(e, allowed)) throw unclean(e);
    return undefined;
  }
}

export async function cleanOrThrowAsync<T>(
  fn: () => Promise<T>,
  allowed: readonly ErrorClass[],
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (!isClean(e, allowed)) throw unclean(e);
    return undefined;
  }
}

/** A stream source yielding `bytes` in the given chunk sizes (the remote's write pattern). */
export async function* chunked(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let off = 0;
  for (const n of sizes) {
    if (off >= bytes.length) return;
    yield bytes.subarray(off, off + Math.max(1, n));
    off += Math.max(1, n);
  }
  if (off < bytes.length) yield bytes.subarray(off);
}

export function expectSameBytes(a: Uint8Array, b: Uint8Array, what: string): void {
  if (Buffer.compare(a, b) !== 0) {
    expect.fail(`${what}: ${Buffer.from(a).toString("hex")} != ${Buffer.from(b).toString("hex")}`);
  }
}
