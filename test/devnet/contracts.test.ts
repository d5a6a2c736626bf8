// The devnet's raw-bytecode storage contract, executed in a real EVM (@ethereumjs/evm): deploys, writes,
// deletes and reverts as documented.
import { createEVM } from "@ethereumjs/evm";
import { bytesToHex, createAddressFromString, createZeroAddress, setLengthLeft } from "@ethereumjs/util";
import { describe, expect, it } from "vitest";
import {
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
