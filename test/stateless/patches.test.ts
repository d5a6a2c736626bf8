// The patch-package patches under patches/ (applied by `npm install`'s postinstall) must be in the
// @ethereumjs copies this process loads: without them re-execution is still correct but several times
// slower on opcode-heavy blocks, which nobody would notice from results alone.
import { readFileSync } from "node:fs";
import { setLengthLeft, setLengthRight } from "@ethereumjs/util";
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

  it("util: setLength pads to the same bytes without spreading", () => {
    const bytesJs = new URL("./bytes.js", import.meta.resolve("@ethereumjs/util"));
    expect(readFileSync(bytesJs, "utf8"), "run `npx patch-package` (postinstall)").toContain("eproof patch");
    expect(setLengthLeft(Uint8Array.of(1, 2), 4)).toEqual(Uint8Array.of(0, 0, 1, 2));
    expect(setLengthRight(Uint8Array.of(1, 2), 4)).toEqual(Uint8Array.of(1, 2, 0, 0));
    expect(setLengthLeft(Uint8Array.of(1, 2, 3), 2, { allowTruncate: true })).toEqual(Uint8Array.of(2, 3));
    expect(() => setLengthLeft(Uint8Array.of(1, 2, 3), 2)).toThrow();
  });
});
