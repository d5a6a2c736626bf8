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
