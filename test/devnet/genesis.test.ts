// Genesis, dev keys and node flags of the devnet: pure functions, checked against the real consumers
// (@ethereumjs/common reads the genesis the way the EthereumJS client does).
import { createCommonFromGethGenesis, Hardfork } from "@ethereumjs/common";
import { bytesToHex, hexToBytes, privateToAddress } from "@ethereumjs/util";
import { describe, expect, it } from "vitest";
import { beaconNodeFlags } from "../../src/devnet/beaconNode.ts";
import { GENESIS_STORAGE_CONTRACT } from "../../src/devnet/contracts.ts";
import { devAccount, devAccounts } from "../../src/devnet/devAccounts.ts";
import { executionClientFlags } from "../../src/devnet/executionClient.ts";
import { buildGethGenesis, DEVNET_CHAIN_ID, storageWord } from "../../src/devnet/genesis.ts";
import { portsFromBase } from "../../src/devnet/ports.ts";

describe("dev accounts", () => {
  it("are deterministic and their addresses match their keys", () => {
    expect(devAccount(3)).toEqual(devAccount(3));
    const accounts = devAccounts(4);
    expect(new Set(accounts.map((a) => a.address)).size).toBe(4);
    for (const a of accounts) {
      const derived = bytesToHex(privateToAddress(hexToBytes(a.privateKey as `0x${string}`)));
      expect(derived).toBe(a.address.toLowerCase());
    }
  });
});

describe("geth-style genesis", () => {
  const accounts = devAccounts(2).map((a) => a.address);
  const genesis = buildGethGenesis({ chainId: DEVNET_CHAIN_ID, timestamp: 1_700_000_000, accounts });

  it("activates every fork through Shanghai at genesis, merged (TTD 0)", () => {
    const common = createCommonFromGethGenesis(genesis, { chain: "eproof-devnet" });
    expect(common.chainId()).toBe(BigInt(DEVNET_CHAIN_ID));
    expect(common.getHardforkBy({ blockNumber: 0n, timestamp: 1_700_000_000n })).toBe(Hardfork.Shanghai);
    expect(genesis.config.terminalTotalDifficulty).toBe(0);
    expect(genesis.timestamp).toBe("0x6553f100");
  });

  it("prefunds the dev accounts and writes storage keys as full 32-byte words", () => {
    for (const a of accounts)
      expect(BigInt(genesis.alloc[a.toLowerCase()]?.balance ?? "0x0")).toBeGreaterThan(0n);
    const storage = genesis.alloc[GENESIS_STORAGE_CONTRACT]?.storage ?? {};
    const keys = Object.keys(storage);
    expect(keys).toHaveLength(4);
    for (const k of keys) expect(k).toMatch(/^0x[0-9a-f]{64}$/);
    expect(storage[storageWord(1n)]).toBe(storageWord(1n));
  });
});

describe("node flags", () => {
  const ports = portsFromBase(30_000);

  it("binds the execution client on loopback with a JWT-protected Engine API", () => {
    const flags = executionClientFlags({
      genesisPath: "/g.json",
      dataDir: "/d",
      jwtSecretPath: "/jwt",
      rpcPort: ports.elRpc,
      enginePort: ports.elEngine,
      p2pPort: ports.elP2p,
    });
    expect(flags[flags.indexOf("--rpcAddr") + 1]).toBe("127.0.0.1");
    expect(flags[flags.indexOf("--rpcEngineAddr") + 1]).toBe("127.0.0.1");
    expect(flags[flags.indexOf("--jwtSecret") + 1]).toBe("/jwt");
    expect(flags[flags.indexOf("--rpcEnginePort") + 1]).toBe("30001");
    expect(flags.join(" ")).not.toContain("0.0.0.0");
  });

  it("runs lodestar dev with Capella at epoch 0, 2 s slots, all validators, loopback REST and p2p", () => {
    const args = {
      dataDir: "/c",
      validators: 8,
      genesisTime: 1_700_000_000,
      genesisEth1Hash: `0x${"11".repeat(32)}`,
      executionUrl: "http://127.0.0.1:9999",
      jwtSecretPath: "/jwt",
      secondsPerSlot: 2,
      restPort: ports.clRest,
      p2pPort: ports.clP2p,
      feeRecipient: devAccount(0).address,
    };
    const flags = beaconNodeFlags(args);
    const value = (f: string): string | undefined => flags[flags.indexOf(f) + 1];
    expect(flags[0]).toBe("dev");
    expect(value("--startValidators")).toBe("0..7");
    expect(value("--params.CAPELLA_FORK_EPOCH")).toBe("0");
    expect(value("--params.SECONDS_PER_SLOT")).toBe("2");
    expect(value("--terminal-total-difficulty-override")).toBe("0");
    expect(value("--execution.urls")).toBe("http://127.0.0.1:9999");
    expect(value("--rest.address")).toBe("127.0.0.1");
    expect(value("--listenAddress")).toBe("127.0.0.1");
    expect(() => beaconNodeFlags({ ...args, validators: 0 })).toThrow(RangeError);
  });

  it("rejects a base port range that does not fit", () => {
    expect(() => portsFromBase(65_534)).toThrow(RangeError);
    expect(() => portsFromBase(80)).toThrow(RangeError);
  });
});
