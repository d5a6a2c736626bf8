import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { RLP } from "@ethereumjs/rlp";
import { getMerkleStateProof, MerkleStateManager } from "@ethereumjs/statemanager";
import { Account, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonRpcClient } from "../../src/execution/jsonRpcClient.ts";
import { headerRlpFromRpc, ProofWitnessBuilder } from "../../src/execution/proofWitnessBuilder.ts";
import { commonFromGethConfig, gethConfigForTestNetwork } from "../../src/stateless/common.ts";
import { validateStateless } from "../../src/stateless/engine.ts";
import { systemClock } from "../../src/util/clock.ts";
import { toHex } from "../../src/util/hex.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { FIXTURES } from "../beacon/beaconTestServer.ts";
import { electraNprFromBlockRlp } from "./hoodiFixtures.ts";

// A real EEST Prague block (EIP-2935 history contract + one transaction) and its full pre-state.
const file = new URL(
  "eest-blockchain/prague/eip2935_historical_block_hashes_from_state/test_eip_2935.json",
  FIXTURES,
);
const test = Object.values(JSON.parse(readFileSync(file, "utf8")))[0] as {
  pre: Record<string, { nonce: string; balance: string; code: string; storage: Record<string, string> }>;
  genesisBlockHeader: Record<string, string>;
  blocks: { rlp: string }[];
  config: {
    chainid: string;
    blobSchedule: Record<string, { target: string; max: string; baseFeeUpdateFraction: string }>;
  };
};
const chainConfig = gethConfigForTestNetwork("Prague", Number(test.config.chainid), test.config.blobSchedule);

/** EEST header names → JSON-RPC names. */
function rpcHeader(h: Record<string, string>): Record<string, string> {
  return {
    parentHash: h.parentHash ?? "",
    sha3Uncles: h.uncleHash ?? "",
    miner: h.coinbase ?? "",
    stateRoot: h.stateRoot ?? "",
    transactionsRoot: h.transactionsTrie ?? "",
    receiptsRoot: h.receiptTrie ?? "",
    logsBloom: h.bloom ?? "",
    difficulty: h.difficulty ?? "",
    number: h.number ?? "",
    gasLimit: h.gasLimit ?? "",
    gasUsed: h.gasUsed ?? "",
    timestamp: h.timestamp ?? "",
    extraData: h.extraData ?? "",
    mixHash: h.mixHash ?? "",
    nonce: h.nonce ?? "",
    baseFeePerGas: h.baseFeePerGas ?? "",
    withdrawalsRoot: h.withdrawalsRoot ?? "",
    blobGasUsed: h.blobGasUsed ?? "",
    excessBlobGas: h.excessBlobGas ?? "",
    parentBeaconBlockRoot: h.parentBeaconBlockRoot ?? "",
    requestsHash: h.requestsHash ?? "",
    hash: h.hash ?? "",
  };
}

/** An execution client without any debug API: eth_getProof/eth_getStorageAt/eth_getCode over the pre-state. */
class StateRpcServer {
  private server?: Server;
  url = "";
  readonly methods: string[] = [];
  sm = new MerkleStateManager({ common: commonFromGethConfig(chainConfig) });

  async start(): Promise<void> {
    for (const [addr, a] of Object.entries(test.pre)) {
      const address = createAddressFromString(addr);
      await this.sm.putAccount(address, new Account(BigInt(a.nonce), BigInt(a.balance)));
      if (a.code !== "0x") await this.sm.putCode(address, hexToBytes(a.code as `0x${string}`));
      for (const [k, v] of Object.entries(a.storage)) {
        await this.sm.putStorage(
          address,
          hexToBytes(`0x${BigInt(k).toString(16).padStart(64, "0")}`),
          RLP.decode(RLP.encode(BigInt(v))) as Uint8Array,
        );
      }
    }
    await this.sm.flush();
    const server = createServer(async (req, res) => {
      let body = "";
      for await (const c of req) body += String(c);
      const parsed = JSON.parse(body);
      const list = Array.isArray(parsed) ? parsed : [parsed];
      const out = [];
      for (const r of list)
        out.push({ jsonrpc: "2.0", id: r.id, ...(await this.answer(r.method, r.params)) });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(Array.isArray(parsed) ? out : out[0]));
    });
    this.server = server;
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }

  private async answer(method: string, params: unknown[]): Promise<{ result: unknown } | { error: unknown }> {
    this.methods.push(method);
    const addr = () => createAddressFromString(String(params[0]));
    switch (method) {
      case "eth_getProof": {
        const slots = (params[1] as string[]).map((s) => hexToBytes(s as `0x${string}`));
        return { result: await getMerkleStateProof(this.sm, addr(), slots) };
      }
      case "eth_getCode":
        return { result: toHex(await this.sm.getCode(addr())) };
      case "eth_getStorageAt": {
        const v = await this.sm.getStorage(
          addr(),
          hexToBytes(`0x${BigInt(String(params[1])).toString(16).padStart(64, "0")}`),
        );
        return { result: `0x${Buffer.from(v).toString("hex").padStart(64, "0")}` };
      }
      case "eth_getBlockByNumber":
        return { result: BigInt(String(params[0])) === 0n ? rpcHeader(test.genesisBlockHeader) : null };
      case "eth_chainId":
        return { result: test.config.chainid };
      default:
        return { error: { code: -32601, message: `the method ${method} does not exist/is not available` } };
    }
  }
}

describe("eth_getProof fallback witness", () => {
  const el = new StateRpcServer();
  beforeAll(() => el.start());
  afterAll(() => el.stop());

  it("encodes RPC header JSON to the RLP whose keccak is the block hash", () => {
    const rlp = headerRlpFromRpc(rpcHeader(test.genesisBlockHeader));
    expect(toHex(keccak_256(rlp))).toBe(test.genesisBlockHeader.hash);
    const { requestsHash: _r, ...cancunStyle } = rpcHeader(test.genesisBlockHeader);
    expect(toHex(keccak_256(headerRlpFromRpc(cancunStyle)))).not.toBe(test.genesisBlockHeader.hash);
    expect(() => headerRlpFromRpc({ ...cancunStyle, stateRoot: undefined })).toThrow(/lacks "stateRoot"/);
  });

  it("builds a witness from eth_getProof for a real Prague block that the stateless engine accepts", async () => {
    const npr = electraNprFromBlockRlp(hexToBytes((test.blocks[0]?.rlp ?? "0x") as `0x${string}`));
    const rpc = new JsonRpcClient({ url: el.url }, { clock: systemClock });
    const builder = new ProofWitnessBuilder(rpc, el.url, {
      clock: systemClock,
      logger: silentLogger(),
      chainConfigSource: { chainConfig: async () => chainConfig },
    });
    const got = await builder.fetchWitness({
      blockHash: npr.value.executionPayload.blockHash,
      blockNumber: 1,
      npr,
    });
    expect(got.method).toBe("eth_getProof_fallback");
    expect(got.witness.headers).toHaveLength(1);
    expect(got.witness.codes.length).toBeGreaterThan(0);
    expect(el.methods).toContain("eth_getProof");
    expect(toHex(await el.sm.getStateRoot())).toBe(test.genesisBlockHeader.stateRoot);
    const outcome = await validateStateless({ npr, witness: got.witness, chainConfig });
    expect(outcome.reason).toBeUndefined();
    expect(outcome.valid).toBe(true);
  });

  it("refuses to hand out a witness from an EL whose parent state differs", async () => {
    const npr = electraNprFromBlockRlp(hexToBytes((test.blocks[0]?.rlp ?? "0x") as `0x${string}`));
    const sender = Object.keys(test.pre).at(-2) ?? "";
    await el.sm.putAccount(createAddressFromString(sender), new Account(0n, 1n));
    await el.sm.flush();
    const rpc = new JsonRpcClient({ url: el.url }, { clock: systemClock });
    const builder = new ProofWitnessBuilder(rpc, el.url, {
      clock: systemClock,
      logger: silentLogger(),
      chainConfigSource: { chainConfig: async () => chainConfig },
    });
    await expect(
      builder.fetchWitness({ blockHash: npr.value.executionPayload.blockHash, blockNumber: 1, npr }),
    ).rejects.toThrow(/eth_getProof witness for block 1 does not validate/);
  });
});
