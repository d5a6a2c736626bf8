// The patch-package patches under patches/ (applied by `npm install`'s postinstall) must be in the
// @ethereumjs copies this process loads: without them re-execution is still correct but several times
// slower on opcode-heavy blocks, which nobody would notice from results alone.
import { readFileSync } from "node:fs";
import { RLP } from "@ethereumjs/rlp";
import { bigIntToBytes, bytesToBigInt, setLengthLeft, setLengthRight } from "@ethereumjs/util";
import { describe, expect, it } from "vitest";

const AsyncFunction = (async () => {}).constructor;

async function interpreterProto(): Promise<Record<string, unknown>> {
  const url = new URL("./interpreter.js", import.meta.resolve("@ethereumjs/evm")).href;
  const mod = (await import(url)) as { Interpreter: { prototype: Record<string, unknown> } };
  return mod.Interpreter.prototype;
}

describe("patches/ applied to @ethereumjs", () => {
  it("evm: the interpreter step is synchronous unless it must wait (patch did not apply otherwise)", async () => {
    const proto = await interpreterProto();
    expect(typeof proto._runStepCharged, "run `npx patch-package` (postinstall)").toBe("function");
    expect(proto.runStep).not.toBeInstanceOf(AsyncFunction);
    expect(proto._runStepAwaited).toBeInstanceOf(AsyncFunction);
    expect(typeof proto.storageLoadCached, "SLOAD's synchronous cached read").toBe("function");
  });

  it("evm: exactly the six dynamic-gas handlers that await stay async", async () => {
    const url = new URL("./opcodes/gas.js", import.meta.resolve("@ethereumjs/evm")).href;
    const { dynamicGasHandlers } = (await import(url)) as { dynamicGasHandlers: Map<number, unknown> };
    const stillAsync = [...dynamicGasHandlers]
      .filter(([, fn]) => fn instanceof AsyncFunction)
      .map(([op]) => op.toString(16))
      .sort();
    // EXTCODECOPY, SSTORE, CREATE, CREATE2, EXTCALL, SELFDESTRUCT.
    expect(stillAsync).toEqual(["3c", "55", "f0", "f5", "f8", "ff"]);
  });

  it("evm: opcode handlers pop operands one by one; ADD/SUB/MUL wrap at 2^256 as before", async () => {
    const url = new URL("./opcodes/functions.js", import.meta.resolve("@ethereumjs/evm")).href;
    expect(readFileSync(new URL(url), "utf8"), "run `npx patch-package` (postinstall)").toContain(
      "eproof patch: both operands are below 2^256",
    );
    const { handlers } = (await import(url)) as { handlers: Map<number, (rs: unknown) => void> };
    const top = 2n ** 256n;
    const cases: [number, bigint, bigint, bigint][] = [
      [0x01, top - 1n, 2n, 1n],
      [0x01, 3n, 4n, 7n],
      [0x02, top - 1n, top - 1n, 1n],
      [0x03, 1n, 2n, top - 1n],
      [0x03, 5n, 3n, 2n],
    ];
    for (const [op, a, b, want] of cases) {
      const stack = [b, a]; // a on top
      const runState = { stack: { pop: () => stack.pop(), push: (v: bigint) => stack.push(v) } };
      handlers.get(op)?.(runState);
      expect(stack).toEqual([want]);
    }
  });

  it("evm: call frames take accounts, code and the checkpoint synchronously when the state manager can", async () => {
    const evmUrl = new URL("./evm.js", import.meta.resolve("@ethereumjs/evm")).href;
    const { EVM } = (await import(evmUrl)) as {
      EVM: { prototype: Record<string, (this: unknown, a: unknown) => unknown> };
    };
    const accountNow = EVM.prototype._accountNow;
    const codeNow = EVM.prototype._codeNow;
    expect(typeof accountNow, "run `npx patch-package` (postinstall)").toBe("function");
    expect(typeof codeNow).toBe("function");
    const code = Uint8Array.of(0x60, 0x00);
    const withSync = {
      stateManager: {
        getAccountSync: (a: unknown) => (a === "absent" ? undefined : null),
        getCodeSync: () => code,
      },
    };
    expect(accountNow?.call(withSync, "absent")).toBeUndefined(); // absent, known without awaiting
    expect(accountNow?.call(withSync, "other")).toBeNull(); // not known: getAccount is awaited
    expect(codeNow?.call(withSync, "any")).toBe(code);
    expect(accountNow?.call({ stateManager: {} }, "absent")).toBeNull(); // a state manager without them
    expect(codeNow?.call({ stateManager: {} }, "any")).toBeNull();

    const journalUrl = new URL("./journal.js", import.meta.resolve("@ethereumjs/evm")).href;
    const { Journal } = (await import(journalUrl)) as {
      Journal: new (
        sm: unknown,
        common: unknown,
      ) => { checkpoint(): Promise<void> | undefined; journalHeight: number };
    };
    const calls: string[] = [];
    const sync = new Journal(
      { checkpointSync: () => calls.push("sync"), checkpoint: async () => calls.push("async") },
      undefined,
    );
    expect(sync.checkpoint()).toBeUndefined();
    expect(sync.journalHeight).toBe(1);
    const awaited = new Journal({ checkpoint: async () => calls.push("async") }, undefined);
    const pending = awaited.checkpoint();
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    expect(calls).toEqual(["sync", "async"]);

    // commit: synchronous when commitSync says it committed, the awaited commit otherwise.
    const commits: string[] = [];
    let canSync = true;
    const sm = {
      commitSync: () => {
        commits.push(`sync:${canSync}`);
        return canSync;
      },
      commit: async () => commits.push("async"),
    };
    const journal = new Journal(sm, undefined) as unknown as { commit(): Promise<void> | undefined };
    expect(journal.commit()).toBeUndefined();
    canSync = false;
    const committing = journal.commit();
    expect(committing).toBeInstanceOf(Promise);
    await committing;
    expect(commits).toEqual(["sync:true", "sync:false", "async"]);
  });

  it("evm: PUSH values are decoded on first use, not by the jump analysis, with the same values", async () => {
    const url = new URL("./opcodes/functions.js", import.meta.resolve("@ethereumjs/evm")).href;
    expect(readFileSync(new URL(url), "utf8"), "run `npx patch-package` (postinstall)").toContain(
      "eproof patch: the jump analysis leaves PUSH values undecoded",
    );
    const { handlers } = (await import(url)) as {
      handlers: Map<number, (rs: unknown, common: unknown) => void>;
    };
    const push = handlers.get(0x60);
    // PUSH2 0x1234, PUSH1 0xff, then a PUSH3 cut short by the end of the code (right-padded).
    const code = Uint8Array.of(0x61, 0x12, 0x34, 0x60, 0xff, 0x62, 0xab);
    const common = { isActivatedEIP: () => false };
    const cachedPushes: (bigint | undefined)[] = Array(code.length);
    const run = (pc: number) => {
      const stack: bigint[] = [];
      const runState = {
        opCode: code[pc],
        programCounter: pc + 1,
        code,
        cachedPushes,
        shouldDoJumpAnalysis: false,
        env: {},
        stack: { push: (v: bigint) => stack.push(v) },
      };
      push?.(runState, common);
      return { value: stack[0], next: runState.programCounter };
    };
    expect(run(0)).toEqual({ value: 0x1234n, next: 3 });
    expect(run(3)).toEqual({ value: 0xffn, next: 5 });
    expect(run(5)).toEqual({ value: 0xab0000n, next: 9 });
    expect(cachedPushes[1]).toBe(0x1234n); // kept for the next frame running this code
    cachedPushes[4] = 7n; // a kept value is used as is
    expect(run(3).value).toBe(7n);
    const proto = await interpreterProto();
    const analyse = proto._getValidJumpDestinations as (
      this: unknown,
      c: Uint8Array,
    ) => { pushes: unknown[] };
    const self = { _evm: { _opcodeMap: [] }, common: { isActivatedEIP: () => false } };
    // The analysis (cached or not) leaves every PUSH value undecoded.
    expect(analyse.call(self, code).pushes.filter((v) => v !== undefined)).toEqual([]);
  });

  it("common: isActivatedEIP (a Set) and gteHardfork (memoised) follow the set hardfork", async () => {
    const { Common, Mainnet, Hardfork } = await import("@ethereumjs/common");
    const commonJs = new URL("./common.js", import.meta.resolve("@ethereumjs/common"));
    expect(readFileSync(commonJs, "utf8"), "run `npx patch-package` (postinstall)").toContain("eproof patch");
    const c = new Common({ chain: Mainnet, hardfork: Hardfork.Berlin });
    expect(c.isActivatedEIP(2929)).toBe(true);
    expect(c.isActivatedEIP(1559)).toBe(false);
    const copy = c.copy();
    copy.setHardfork(Hardfork.London);
    expect(copy.isActivatedEIP(1559)).toBe(true);
    expect(c.isActivatedEIP(1559)).toBe(false);
    c.setHardfork(Hardfork.Prague);
    expect(c.isActivatedEIP(7702)).toBe(true);
    expect(copy.isActivatedEIP(7702)).toBe(false);
    // gteHardfork is remembered per set hardfork.
    expect(copy.gteHardfork(Hardfork.Berlin)).toBe(true);
    expect(copy.gteHardfork(Hardfork.Cancun)).toBe(false);
    expect(c.gteHardfork(Hardfork.Cancun)).toBe(true);
    copy.setHardfork(Hardfork.Osaka);
    expect(copy.gteHardfork(Hardfork.Cancun)).toBe(true);
    c.setHardfork(Hardfork.Berlin);
    expect(c.gteHardfork(Hardfork.Cancun)).toBe(false);
    expect(c.gteHardfork(Hardfork.Berlin)).toBe(true);
  });

  it("common: updateParams changes what differs and skips what is already set", async () => {
    const { Common, Mainnet, Hardfork } = await import("@ethereumjs/common");
    const c = new Common({ chain: Mainnet, hardfork: Hardfork.Prague });
    c.updateParams({ 1559: { elasticityMultiplier: 2 } });
    const cache = (c as unknown as { _paramsCache: object })._paramsCache;
    // Already set: the cache is kept as it is (the unpatched method rebuilds it on every call).
    c.updateParams({ 1559: { elasticityMultiplier: 2 } });
    expect((c as unknown as { _paramsCache: object })._paramsCache).toBe(cache);
    // A changed value, a new key and a new EIP entry still apply.
    c.updateParams({ 1559: { elasticityMultiplier: 3 } });
    expect(c.param("elasticityMultiplier")).toBe(3n);
    c.updateParams({ 1559: { eproofTestKey: 7 } });
    expect(c.param("eproofTestKey")).toBe(7n);
    expect(c.param("elasticityMultiplier")).toBe(3n);
    // An EIP entry not set before (7702 is active on Prague; its params are not in Common's own set).
    c.updateParams({ 7702: { eproofOtherKey: 5 } });
    expect(c.param("eproofOtherKey")).toBe(5n);
    // Copies share the params but not the cache: a copy made before another copy's update still
    // rebuilds its own cache when given the same values (they are set, its cache lacks them).
    const a = new Common({ chain: Mainnet, hardfork: Hardfork.Prague });
    const b = a.copy();
    b.updateParams({ 1559: { eproofSharedKey: 4 } });
    a.updateParams({ 1559: { eproofSharedKey: 4 } });
    expect(a.param("eproofSharedKey")).toBe(4n);
  });

  it("evm: a call frame's memory starts empty, grows from 1 KiB by doubling to 8 KiB steps, zero-filled", async () => {
    const url = new URL("./memory.js", import.meta.resolve("@ethereumjs/evm")).href;
    const { Memory } = (await import(url)) as {
      Memory: new () => {
        _store: Uint8Array;
        read(o: number, n: number): Uint8Array;
        write(o: number, n: number, v: Uint8Array): void;
      };
    };
    const m = new Memory();
    expect(m._store.length).toBe(0);
    expect(m.read(0, 0)).toEqual(new Uint8Array());
    expect(new Memory().read(40, 4)).toEqual(new Uint8Array(4));
    m.write(8190, 4, Uint8Array.of(1, 2, 3, 4));
    expect(m._store.length).toBe(9216); // 8194 bytes in 1 KiB steps
    expect(m.read(8188, 8)).toEqual(Uint8Array.of(0, 0, 1, 2, 3, 4, 0, 0));
    expect(new Memory()._store.length).toBe(0); // the shared empty store was not written
    // A small frame zeroes 1 KiB, not 8; growth keeps what was written and zero-fills the rest.
    const small = new Memory();
    small.write(0, 32, new Uint8Array(32).fill(9));
    expect(small._store.length).toBe(1024);
    small.write(1500, 2, Uint8Array.of(7, 8));
    expect(small._store.length).toBe(2048);
    expect(small.read(0, 33)).toEqual(Uint8Array.of(...new Array(32).fill(9), 0));
    expect(small.read(1499, 4)).toEqual(Uint8Array.of(0, 7, 8, 0));
    small.write(9000, 1, Uint8Array.of(5));
    expect(small._store.length).toBe(8192 + 2048);
    expect(small.read(1500, 2)).toEqual(Uint8Array.of(7, 8));
    expect(small.read(8999, 3)).toEqual(Uint8Array.of(0, 5, 0));
  });

  it("util: setLength pads to the same bytes without spreading", () => {
    const bytesJs = new URL("./bytes.js", import.meta.resolve("@ethereumjs/util"));
    expect(readFileSync(bytesJs, "utf8"), "run `npx patch-package` (postinstall)").toContain("eproof patch");
    expect(setLengthLeft(Uint8Array.of(1, 2), 4)).toEqual(Uint8Array.of(0, 0, 1, 2));
    expect(setLengthRight(Uint8Array.of(1, 2), 4)).toEqual(Uint8Array.of(1, 2, 0, 0));
    expect(setLengthLeft(Uint8Array.of(1, 2, 3), 2, { allowTruncate: true })).toEqual(Uint8Array.of(2, 3));
    expect(() => setLengthLeft(Uint8Array.of(1, 2, 3), 2)).toThrow();
  });

  it("util: bytesToBigInt and bigIntToBytes give the hex path's values without hex strings", () => {
    const bytesJs = new URL("./bytes.js", import.meta.resolve("@ethereumjs/util"));
    expect(readFileSync(bytesJs, "utf8")).toContain("big-endian bytes read 6 at a time");
    let seed = 11;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from({ length: rand(40) }, () => (rand(4) ? rand(256) : 255 * rand(2)));
      const value = bytes.length === 0 ? 0n : BigInt(`0x${hexOf(bytes)}`);
      expect(bytesToBigInt(bytes)).toBe(value);
      expect(bytesToBigInt(bytes, true)).toBe(
        bytes.length === 0 ? 0n : BigInt(`0x${hexOf(bytes.slice().reverse())}`),
      );
      const hex = value.toString(16);
      expect(hexOf(bigIntToBytes(value))).toBe(hex.length % 2 ? `0${hex}` : hex);
    }
    for (const v of [0n, 1n, 255n, 256n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 53n + 1n, 2n ** 256n - 1n]) {
      const hex = v.toString(16);
      expect(hexOf(bigIntToBytes(v))).toBe(hex.length % 2 ? `0${hex}` : hex);
    }
    expect(bigIntToBytes(0n)).toEqual(Uint8Array.of(0));
    expect(bigIntToBytes(0x0102n, true)).toEqual(Uint8Array.of(2, 1));
  });

  it("util: bytesToUnprefixedHex and bytesToHex give noble's digits natively, for views too", async () => {
    const bytesJs = new URL("./bytes.js", import.meta.resolve("@ethereumjs/util"));
    expect(readFileSync(bytesJs, "utf8")).toContain("Node's native hex encoder");
    const { bytesToHex: noble } = await import("@noble/hashes/utils.js");
    const { bytesToHex, bytesToUnprefixedHex } = await import("@ethereumjs/util");
    const backing = Uint8Array.from({ length: 300 }, (_, i) => (i * 73 + 5) & 0xff);
    for (let start = 0; start < 40; start += 3) {
      for (const len of [0, 1, 2, 19, 20, 31, 32, 33, 64, 200]) {
        const view = backing.subarray(start, start + len);
        expect(bytesToUnprefixedHex(view)).toBe(noble(view));
        expect(bytesToHex(view)).toBe(`0x${noble(view)}`);
      }
    }
    expect(bytesToUnprefixedHex(Buffer.from([0xab, 0x01]))).toBe("ab01");
    // Anything else fails as noble fails (its own error).
    expect(() => bytesToUnprefixedHex([1, 2] as unknown as Uint8Array)).toThrow(/Uint8Array/);
  });

  it("rlp: encode writes one allocation and decode views list bodies, with the same bytes", () => {
    const rlpJs = new URL("./index.js", import.meta.resolve("@ethereumjs/rlp"));
    expect(readFileSync(rlpJs, "utf8"), "run `npx patch-package` (postinstall)").toContain("eproof patch");
    // A plain reference encoder (the RLP definition) against the patched one, on nested lists with
    // items and lists on both sides of the 55-byte boundary and a long length needing 2 bytes.
    const ref = (x: Nested): Uint8Array => {
      const prefix = (len: number, offset: number): number[] => {
        if (len < 56) return [offset + len];
        const bytes: number[] = [];
        for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
        return [offset + 55 + bytes.length, ...bytes];
      };
      if (x instanceof Uint8Array) {
        if (x.length === 1 && (x[0] ?? 0) < 0x80) return x;
        return Uint8Array.from([...prefix(x.length, 0x80), ...x]);
      }
      const body = x.flatMap((i) => [...ref(i)]);
      return Uint8Array.from([...prefix(body.length, 0xc0), ...body]);
    };
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const sizes = [0, 1, 1, 2, 31, 32, 33, 55, 56, 57, 300];
    const gen = (depth: number): Nested => {
      if (depth > 2 || rand(2) === 0) {
        return Uint8Array.from({ length: sizes[rand(sizes.length)] ?? 0 }, () => (rand(3) ? rand(256) : 0));
      }
      return Array.from({ length: rand(18) }, () => gen(depth + 1));
    };
    for (let i = 0; i < 300; i++) {
      const x = gen(0);
      const encoded = RLP.encode(x);
      expect(encoded).toEqual(ref(x));
      expect(RLP.encode(RLP.decode(encoded) as Nested)).toEqual(encoded);
    }
    // Scalars other than bytes still go through toBytes.
    expect(RLP.encode([0, 127, 128n, "0x0400", null])).toEqual(
      Uint8Array.of(0xc8, 0x80, 0x7f, 0x81, 0x80, 0x82, 4, 0, 0x80),
    );
    // Decoded items are copies, not views of the input.
    const input = RLP.encode([Uint8Array.of(1, 2, 3)]);
    const [item] = RLP.decode(input) as Uint8Array[];
    input[2] = 9;
    expect(item).toEqual(Uint8Array.of(1, 2, 3));
    expect(() => RLP.decode(Uint8Array.of(0xc2, 0x01))).toThrow(/out-of-bounds/);
    expect(() => RLP.decode(Uint8Array.of(0xf8, 0x38, 0x00))).toThrow(/larger than the data/);
  });
});

type Nested = Uint8Array | Nested[];
