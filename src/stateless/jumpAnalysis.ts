// Memoised jump-destination analysis for @ethereumjs/evm. Its interpreter re-scans a contract's whole
// bytecode (JUMPDESTs, PUSH values as bigints, opcode table) on every call frame; a block calling the
// same router or token a hundred times spent ~18% of its time there. The analysis depends only on the
// code bytes and the active opcode table, so it is cached per (code object, opcode map). The state
// manager hands out the same Uint8Array for an account's code within a block; other arrays just miss.

interface Analysis {
  jumps: Uint8Array;
  pushes: Record<number, bigint>;
  opcodesCached: unknown[];
}

interface InterpreterProto {
  _getValidJumpDestinations(this: { _evm: { _opcodeMap: object } }, code: Uint8Array): Analysis;
}

let installed: Promise<boolean> | undefined;

/**
 * Installs the cache on the interpreter of the @ethereumjs/evm this process loads (once). Resolves to
 * false, leaving the library untouched, if its internals are not the shape this was written for.
 */
export function installJumpAnalysisCache(): Promise<boolean> {
  installed ??= install();
  return installed;
}

async function install(): Promise<boolean> {
  // The interpreter is not exported; it is the module beside the package's ESM entry, which the EVM
  // itself imports by the same URL, so this is the class the EVM instantiates.
  let mod: { Interpreter?: { prototype: InterpreterProto } };
  try {
    mod = await import(new URL("./interpreter.js", import.meta.resolve("@ethereumjs/evm")).href);
  } catch {
    return false;
  }
  const proto = mod.Interpreter?.prototype;
  const analyse = proto?._getValidJumpDestinations;
  if (!proto || typeof analyse !== "function") return false;
  const cache = new WeakMap<Uint8Array, WeakMap<object, Analysis>>();
  proto._getValidJumpDestinations = function (code) {
    const table = this._evm._opcodeMap;
    let byTable = cache.get(code);
    let hit = byTable?.get(table);
    if (hit) return hit;
    hit = analyse.call(this, code);
    if (!byTable) {
      byTable = new WeakMap();
      cache.set(code, byTable);
    }
    byTable.set(table, hit);
    return hit;
  };
  return true;
}
