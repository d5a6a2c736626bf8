// The devnet's raw-bytecode contracts, executed in a real EVM (@ethereumjs/evm, @ethereumjs/vm): the storage
// contract deploys, writes, deletes and reverts as documented; the load contracts use exactly the gas
// their formula says and touch the storage they document.
import { createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import { createEVM } from "@ethereumjs/evm";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import {
  Account,
  bytesToHex,
  createAddressFromPrivateKey,
  createAddressFromString,
  createZeroAddress,
  hexToBytes,
  setLengthLeft,
} from "@ethereumjs/util";
import { createVM, runTx } from "@ethereumjs/vm";
import { describe, expect, it } from "vitest";
import {
  intrinsicCallGas,
  LOAD_CALLEE_INITCODE,
  LOAD_CALLEE_RUNTIME,
  LOAD_CHANGING_SLOTS,
  LOAD_GAS_PER_ITERATION,
  LOAD_GAS_PER_ROUND,
  LOAD_INITCODE,
  LOAD_RUNTIME,
  loadCalldata,
  loadCallGas,
  REVERT_CALLDATA,
  STORAGE_INITCODE,
  STORAGE_REVERT_JUMPDEST,
  STORAGE_RUNTIME,
  storageCalldata,
} from "../../src/devnet/contracts.ts";

const word = (x: bigint): Uint8Array => setLengthLeft(new Uint8Array(x === 0n ? [] : [Number(x)]), 32);

async function deployed() {
  const evm = await createEVM();
  const caller = createAddressFromString("0x00000000000000000000000000000000000000c0");
  const deploy = await evm.runCall({ caller, data: STORAGE_INITCODE, gasLimit: 1_000_000n });
  expect(deploy.execResult.exceptionError).toBeUndefined();
  const address = deploy.createdAddress;
  if (address === undefined) throw new Error("no contract created");
  return { evm, caller, address };
}

describe("storage contract bytecode", () => {
  it("has its revert branch's JUMPDEST at the documented offset", () => {
    expect(STORAGE_RUNTIME[STORAGE_REVERT_JUMPDEST]).toBe(0x5b);
    expect(STORAGE_RUNTIME.length).toBe(20);
  });

  it("deploys the runtime and sets slot 0 in the constructor", async () => {
    const { evm, address } = await deployed();
    expect(bytesToHex(await evm.stateManager.getCode(address))).toBe(bytesToHex(STORAGE_RUNTIME));
    const slot0 = await evm.stateManager.getStorage(address, word(0n));
    expect(bytesToHex(slot0)).toBe("0x01");
  });

  it("writes a slot, then deletes it by writing zero", async () => {
    const { evm, caller, address } = await deployed();
    const write = await evm.runCall({
      caller,
      to: address,
      data: storageCalldata(7n, 0x2an),
      gasLimit: 100_000n,
    });
    expect(write.execResult.exceptionError).toBeUndefined();
    expect(bytesToHex(await evm.stateManager.getStorage(address, word(7n)))).toBe("0x2a");
    const del = await evm.runCall({ caller, to: address, data: storageCalldata(7n, 0n), gasLimit: 100_000n });
    expect(del.execResult.exceptionError).toBeUndefined();
    expect((await evm.stateManager.getStorage(address, word(7n))).length).toBe(0);
  });

  it("reverts on short calldata without touching storage", async () => {
    const { evm, caller, address } = await deployed();
    const r = await evm.runCall({ caller, to: address, data: REVERT_CALLDATA, gasLimit: 100_000n });
    expect(r.execResult.exceptionError?.error).toBe("revert");
    expect(bytesToHex(await evm.stateManager.getStorage(address, word(0n)))).toBe("0x01");
    // A call from the zero address with no calldata reverts too.
    const empty = await evm.runCall({ caller: createZeroAddress(), to: address, gasLimit: 100_000n });
    expect(empty.execResult.exceptionError?.error).toBe("revert");
  });
});

describe("load contracts (eproof devnet --gas)", () => {
  const common = createCustomCommon({ chainId: 1337 }, Mainnet, { hardfork: Hardfork.Shanghai });
  const key = hexToBytes(`0x${"11".repeat(32)}`);
  const sender = createAddressFromPrivateKey(key);

  async function loadChain() {
    const vm = await createVM({ common });
    await vm.stateManager.putAccount(sender, new Account(0n, 10n ** 24n));
    let nonce = 0n;
    const send = async (to: string | undefined, data: Uint8Array) => {
      const tx = createFeeMarket1559Tx(
        {
          chainId: 1337n,
          nonce: nonce++,
          maxFeePerGas: 10n ** 10n,
          maxPriorityFeePerGas: 1n,
          gasLimit: 5_000_000n,
          to: to === undefined ? undefined : createAddressFromString(to),
          data,
        },
        { common },
      ).sign(key);
      return runTx(vm, { tx, skipBlockGasLimitValidation: true });
    };
    const callee = (await send(undefined, LOAD_CALLEE_INITCODE)).createdAddress;
    const load = (await send(undefined, LOAD_INITCODE)).createdAddress;
    if (callee === undefined || load === undefined) throw new Error("a load contract was not created");
    return { vm, send, callee, load };
  }

  it("deploys both runtimes with their preset slots", async () => {
    const { vm, callee, load } = await loadChain();
    expect(bytesToHex(await vm.stateManager.getCode(callee))).toBe(bytesToHex(LOAD_CALLEE_RUNTIME));
    expect(bytesToHex(await vm.stateManager.getCode(load))).toBe(bytesToHex(LOAD_RUNTIME));
    expect(bytesToHex(await vm.stateManager.getStorage(callee, word(0n)))).toBe("0x01");
    for (let s = 0n; s < BigInt(LOAD_CHANGING_SLOTS); s++)
      expect(bytesToHex(await vm.stateManager.getStorage(load, word(s)))).toBe("0x01");
  });

  it("uses exactly loadCallGas() for any iterations and rounds, repeated calls included", async () => {
    const { send, callee, load } = await loadChain();
    const cases: [number, number][] = [
      [1, 1],
      [3, 1],
      [4, 2],
      [5, 1],
      [10, 7],
      [40, 4],
      [20, 150],
      [5, 1],
    ];
    for (const [i, [iterations, rounds]] of cases.entries()) {
      const p = { seed: BigInt(1000 + i), iterations, rounds, callee: callee.toString() };
      const r = await send(load.toString(), loadCalldata(p));
      expect(r.execResult.exceptionError, `${iterations}×${rounds}`).toBeUndefined();
      expect(r.totalGasSpent, `${iterations}×${rounds}`).toBe(loadCallGas(p));
    }
    // Per iteration: one fresh SSTORE dominates; each keccak round adds the same amount.
    expect(LOAD_GAS_PER_ITERATION).toBeGreaterThan(22_100n);
    expect(LOAD_GAS_PER_ROUND).toBe(130n);
  });

  it("writes one fresh slot per iteration, rewrites the changing slots and bumps the callee's counter", async () => {
    const { vm, send, callee, load } = await loadChain();
    const p = { seed: 7n, iterations: 6, rounds: 3, callee: callee.toString() };
    await send(load.toString(), loadCalldata(p));
    const dump = await vm.stateManager.dumpStorage?.(load);
    if (dump === undefined) throw new Error("no storage dump");
    // 4 changing slots + 6 fresh ones; every changing slot now holds a 32-byte hash, not the preset 1.
    expect(Object.keys(dump)).toHaveLength(LOAD_CHANGING_SLOTS + 6);
    for (let s = 0n; s < BigInt(LOAD_CHANGING_SLOTS); s++)
      expect((await vm.stateManager.getStorage(load, word(s))).length).toBe(32);
    expect(bytesToHex(await vm.stateManager.getStorage(callee, word(0n)))).toBe("0x07");
    // Another seed: fresh slots again, the same gas (nothing of the first call is reused).
    const again = await send(load.toString(), loadCalldata({ ...p, seed: 8n }));
    expect(again.totalGasSpent).toBe(loadCallGas({ ...p, seed: 8n }));
    expect(Object.keys((await vm.stateManager.dumpStorage?.(load)) ?? {})).toHaveLength(
      LOAD_CHANGING_SLOTS + 12,
    );
  });

  it("counts intrinsic calldata gas as 4 per zero byte and 16 per other byte", () => {
    expect(intrinsicCallGas(new Uint8Array())).toBe(21_000n);
    expect(intrinsicCallGas(Uint8Array.from([0, 1, 0, 255]))).toBe(21_000n + 4n + 16n + 4n + 16n);
    expect(() => loadCallGas({ seed: 1n, iterations: 1, rounds: 0, callee: "0x00" })).toThrow(/rounds/);
  });
});
