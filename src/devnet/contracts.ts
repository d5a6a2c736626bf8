// Tiny contracts for the devnet's transaction generator, written as raw EVM bytecode so every opcode is
// visible: a storage contract (write a slot, delete it by writing zero, revert on short calldata).
import { bigIntToBytes, bytesToHex, concatBytes, hexToBytes, setLengthLeft } from "@ethereumjs/util";

/** One instruction per entry: hex bytes of the opcode and its immediate, with the mnemonic beside it. */
type Asm = readonly string[];

function assemble(code: Asm): Uint8Array {
  return hexToBytes(`0x${code.join("")}`);
}

/**
 * Runtime of the storage contract. Calldata = slot (32 bytes) ‖ value (32 bytes): SSTORE(slot, value),
 * so value 0 deletes the slot (a refunding storage clear). Shorter calldata reverts with no data.
 */
const STORAGE_RUNTIME_ASM: Asm = [
  "6040", // 0x00 PUSH1 0x40     64 = two words of calldata needed
  "36", //   0x02 CALLDATASIZE
  "10", //   0x03 LT             calldatasize < 64
  "600f", // 0x04 PUSH1 0x0f     offset of the revert branch
  "57", //   0x06 JUMPI          short calldata → revert
  "6020", // 0x07 PUSH1 0x20
  "35", //   0x09 CALLDATALOAD   value = calldata[32..64]
  "6000", // 0x0a PUSH1 0x00
  "35", //   0x0c CALLDATALOAD   slot = calldata[0..32]
  "55", //   0x0d SSTORE         storage[slot] = value (0 deletes)
  "00", //   0x0e STOP
  "5b", //   0x0f JUMPDEST       revert branch
  "6000", // 0x10 PUSH1 0x00
  "80", //   0x12 DUP1
  "fd", //   0x13 REVERT         revert(0, 0)
];

export const STORAGE_RUNTIME: Uint8Array = assemble(STORAGE_RUNTIME_ASM);

/** Byte offset of the revert branch's JUMPDEST, checked against the assembled runtime in tests. */
export const STORAGE_REVERT_JUMPDEST = 0x0f;

function storageInitAsm(runtimeLength: number): Asm {
  const len = runtimeLength.toString(16).padStart(2, "0");
  const prefixLength = 17; // bytes of this constructor, where the runtime starts inside the initcode
  const off = prefixLength.toString(16).padStart(2, "0");
  return [
    "6001", //  PUSH1 0x01
    "6000", //  PUSH1 0x00
    "55", //    SSTORE         storage[0] = 1: every deployment also writes storage
    `60${len}`, // PUSH1 len   runtime size
    `60${off}`, // PUSH1 off   runtime offset inside this initcode
    "6000", //  PUSH1 0x00     memory destination
    "39", //    CODECOPY       memory[0..len] = code[off..off+len]
    `60${len}`, // PUSH1 len
    "6000", //  PUSH1 0x00
    "f3", //    RETURN         the runtime becomes the contract's code
  ];
}

/** Deployment code of the storage contract (constructor ‖ runtime). */
export const STORAGE_INITCODE: Uint8Array = concatBytes(
  assemble(storageInitAsm(STORAGE_RUNTIME.length)),
  STORAGE_RUNTIME,
);

/** Address at which genesis pre-deploys the storage contract (with slots 1..4 already set). */
export const GENESIS_STORAGE_CONTRACT = "0x00000000000000000000000000000000000e9f01";

/** Calldata for SSTORE(slot, value); value 0n deletes the slot. */
export function storageCalldata(slot: bigint, value: bigint): Uint8Array {
  return concatBytes(setLengthLeft(bigIntToBytes(slot), 32), setLengthLeft(bigIntToBytes(value), 32));
}

/** Calldata that makes the storage contract revert (fewer than 64 bytes). */
export const REVERT_CALLDATA: Uint8Array = hexToBytes("0xdeadbeef");

export function storageRuntimeHex(): string {
  return bytesToHex(STORAGE_RUNTIME);
}

// ---- Load contracts (`eproof devnet --gas M`) ----
// Two more contracts fill blocks to a gas target: a LOAD contract whose loop hashes memory, writes fresh and
// changing storage slots and calls a CALLEE contract (which hashes its input and bumps a counter). Every
// storage slot they touch is preset to non-zero by their constructors, so the gas of a call is a closed
// formula of its parameters (`loadCallGas`), checked against a real EVM in the tests.

/**
 * Assembles with labels: ":name" emits a JUMPDEST and names its offset, "61@name" is a PUSH2 of that offset;
 * every other entry is hex bytes as in `Asm`.
 */
function assembleLabelled(code: Asm): Uint8Array {
  const labels = new Map<string, number>();
  let at = 0;
  for (const entry of code) {
    if (entry.startsWith(":")) {
      labels.set(entry.slice(1), at);
      at += 1;
    } else at += entry.startsWith("61@") ? 3 : entry.length / 2;
  }
  const hex = code.map((entry) => {
    if (entry.startsWith(":")) return "5b";
    if (!entry.startsWith("61@")) return entry;
    const target = labels.get(entry.slice(3));
    if (target === undefined) throw new Error(`assembler: unknown label ${entry.slice(3)}`);
    return `61${target.toString(16).padStart(4, "0")}`;
  });
  return assemble(hex);
}

/** Constructor that sets each of `presetSlots` (< 256) to 1, then returns `runtime` (< 256 bytes). */
function initcodeWithPresets(runtime: Uint8Array, presetSlots: readonly number[]): Uint8Array {
  if (runtime.length > 0xff) throw new RangeError("runtime too long for a PUSH1 length");
  const byte = (n: number): string => n.toString(16).padStart(2, "0");
  const offset = presetSlots.length * 5 + 12; // 5 bytes per preset, 12 for the copy-and-return tail
  const asm: string[] = [];
  for (const slot of presetSlots) asm.push("6001", `60${byte(slot)}`, "55"); // SSTORE(slot, 1)
  asm.push(
    `60${byte(runtime.length)}`, // PUSH1 len
    `60${byte(offset)}`, //        PUSH1 off      where the runtime starts inside this initcode
    "6000", //                     PUSH1 0
    "39", //                       CODECOPY       memory[0..len] = code[off..off+len]
    `60${byte(runtime.length)}`, // PUSH1 len
    "6000", //                     PUSH1 0
    "f3", //                       RETURN
  );
  return concatBytes(assemble(asm), runtime);
}

/**
 * Runtime of the CALLEE contract: returns keccak256(calldata[0..32]) and increments its slot 0
 * (preset to 1 by its constructor, so it never goes from zero to non-zero).
 */
const LOAD_CALLEE_RUNTIME_ASM: Asm = [
  "6020", // PUSH1 0x20
  "6000", // PUSH1 0
  "6000", // PUSH1 0
  "37", //   CALLDATACOPY   memory[0..32] = calldata[0..32]
  "6020", // PUSH1 0x20
  "6000", // PUSH1 0
  "20", //   KECCAK256      h = keccak256(memory[0..32])
  "6000", // PUSH1 0
  "52", //   MSTORE         memory[0..32] = h
  "6000", // PUSH1 0
  "54", //   SLOAD          counter
  "6001", // PUSH1 1
  "01", //   ADD
  "6000", // PUSH1 0
  "55", //   SSTORE         counter + 1
  "6020", // PUSH1 0x20
  "6000", // PUSH1 0
  "f3", //   RETURN         h
];

export const LOAD_CALLEE_RUNTIME: Uint8Array = assemble(LOAD_CALLEE_RUNTIME_ASM);
export const LOAD_CALLEE_INITCODE: Uint8Array = initcodeWithPresets(LOAD_CALLEE_RUNTIME, [0]);

/** The LOAD contract's "changing" slots 0..3 (slot = iteration & 3), preset to 1 by its constructor. */
export const LOAD_CHANGING_SLOTS = 4;

/**
 * Runtime of the LOAD contract. Calldata = seed ‖ iterations n ‖ rounds r ‖ callee (32-byte words).
 * memory[0..32] = seed; then n times (counting n down to 1): memory[32..64] = n; r times
 * memory[0..32] = keccak256(memory[0..256]); h = memory[0..32]; SSTORE(h, n) — a fresh slot (h depends
 * on the seed); SSTORE(n & 3, h) — a changing slot; CALL callee with h, its answer into memory[64..96].
 * Needs r ≥ 1 (with r = 0 every iteration writes the same "fresh" slot, the seed).
 */
const LOAD_RUNTIME_ASM: Asm = [
  "6000", //  PUSH1 0
  "35", //    CALLDATALOAD   seed
  "6000", //  PUSH1 0
  "52", //    MSTORE         memory[0..32] = seed
  "6060", //  PUSH1 0x60
  "35", //    CALLDATALOAD   callee                     stack: callee
  "6020", //  PUSH1 0x20
  "35", //    CALLDATALOAD   n                          stack: callee n
  ":loop",
  "80", //    DUP1
  "15", //    ISZERO
  "61@end", // PUSH2 end
  "57", //    JUMPI          n == 0 → end
  "80", //    DUP1
  "6020", //  PUSH1 0x20
  "52", //    MSTORE         memory[32..64] = n
  "6040", //  PUSH1 0x40
  "35", //    CALLDATALOAD   r                          stack: callee n r
  ":hash",
  "80", //    DUP1
  "15", //    ISZERO
  "61@hashed", // PUSH2 hashed
  "57", //    JUMPI          r == 0 → hashed
  "610100", // PUSH2 0x100
  "6000", //  PUSH1 0
  "20", //    KECCAK256      keccak256(memory[0..256])
  "6000", //  PUSH1 0
  "52", //    MSTORE         memory[0..32] = it
  "6001", //  PUSH1 1
  "90", //    SWAP1
  "03", //    SUB            r - 1
  "61@hash", // PUSH2 hash
  "56", //    JUMP
  ":hashed",
  "50", //    POP                                       stack: callee n
  "80", //    DUP1           n
  "6000", //  PUSH1 0
  "51", //    MLOAD          h
  "55", //    SSTORE         storage[h] = n: a fresh slot
  "6000", //  PUSH1 0
  "51", //    MLOAD          h
  "81", //    DUP2           n
  "6003", //  PUSH1 3
  "16", //    AND            n & 3
  "55", //    SSTORE         storage[n & 3] = h: a changing slot
  "6020", //  PUSH1 0x20     retSize
  "6040", //  PUSH1 0x40     retOffset
  "6020", //  PUSH1 0x20     argsSize
  "6000", //  PUSH1 0        argsOffset
  "6000", //  PUSH1 0        value
  "86", //    DUP7           callee
  "5a", //    GAS
  "f1", //    CALL           memory[64..96] = keccak256(h), callee counter + 1
  "50", //    POP            success flag
  "6001", //  PUSH1 1
  "90", //    SWAP1
  "03", //    SUB            n - 1
  "61@loop", // PUSH2 loop
  "56", //    JUMP
  ":end",
  "00", //    STOP
];

export const LOAD_RUNTIME: Uint8Array = assembleLabelled(LOAD_RUNTIME_ASM);
export const LOAD_INITCODE: Uint8Array = initcodeWithPresets(
  LOAD_RUNTIME,
  Array.from({ length: LOAD_CHANGING_SLOTS }, (_, i) => i),
);

export interface LoadCallParams {
  /** Makes the fresh slots of this call unique: never reuse a seed on one LOAD contract. */
  seed: bigint;
  iterations: number;
  /** keccak256 rounds over 256 bytes of memory per iteration; at least 1. */
  rounds: number;
  /** The CALLEE contract's address. */
  callee: string;
}

export function loadCalldata(p: LoadCallParams): Uint8Array {
  const word = (x: bigint): Uint8Array => setLengthLeft(bigIntToBytes(x), 32);
  return concatBytes(
    word(p.seed),
    word(BigInt(p.iterations)),
    word(BigInt(p.rounds)),
    setLengthLeft(hexToBytes(p.callee as `0x${string}`), 32),
  );
}

/** Gas of one iteration once the callee, the changing slot and memory are warm, without hashing. */
export const LOAD_GAS_PER_ITERATION = 22_708n;
/** Gas of one keccak256 round over 256 bytes of memory (the `hash` loop body). */
export const LOAD_GAS_PER_ROUND = 130n;

/**
 * Intrinsic gas of a call transaction (no access list, not a creation) with this calldata: 21000 plus
 * 4 per zero byte and 16 per other byte.
 */
export function intrinsicCallGas(data: Uint8Array): bigint {
  let gas = 21_000n;
  for (const b of data) gas += b === 0 ? 4n : 16n;
  return gas;
}

/**
 * Exact gas a transaction calling LOAD with `p` uses (Shanghai rules; no refunds occur): intrinsic gas,
 * the prologue and epilogue, each iteration, first touches (cold callee and its slot, each changing slot
 * cold once) and memory growth to 256 bytes.
 */
export function loadCallGas(p: LoadCallParams): bigint {
  if (!Number.isInteger(p.iterations) || p.iterations < 1) throw new RangeError("iterations must be ≥ 1");
  if (!Number.isInteger(p.rounds) || p.rounds < 1) throw new RangeError("rounds must be ≥ 1");
  const n = BigInt(p.iterations);
  const firstTouches = 2_500n + 4_800n + 4_900n * BigInt(Math.min(p.iterations, LOAD_CHANGING_SLOTS));
  const fixed = 27n + 21n + 21n; // prologue, the exit through `end`, memory growth to 8 words
  return (
    intrinsicCallGas(loadCalldata(p)) +
    fixed +
    firstTouches +
    n * (LOAD_GAS_PER_ITERATION + LOAD_GAS_PER_ROUND * BigInt(p.rounds))
  );
}
