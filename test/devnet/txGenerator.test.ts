// The devnet's transaction generator against a JSON-RPC server that loses a sender's transactions, as
// the EthereumJS client does with a reorged-out block's (it does not return them to its pool): after a
// few batches with the sender's mined nonce stuck below its next one, the generator sends again from
// the mined nonce instead of queueing behind the gap forever (found by `npm start`: blocks carried no
// transactions after the first reorgs).
import { createCustomCommon, Mainnet } from "@ethereumjs/common";
import { createTxFromRLP } from "@ethereumjs/tx";
import { hexToBytes } from "@ethereumjs/util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { devAccounts } from "../../src/devnet/devAccounts.ts";
import { TxGenerator } from "../../src/devnet/txGenerator.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { RpcTestServer } from "../execution/rpcTestServer.ts";

const common = createCustomCommon({ chainId: 1337 }, Mainnet);

describe("TxGenerator after lost transactions", () => {
  const el = new RpcTestServer();
  let head = 1;
  /** Sent nonces per sender address (lower case). */
  const sent = new Map<string, number[]>();
  /** Mined nonce ("latest" count) per sender; the lost sender's stays where the loss left it. */
  const mined = new Map<string, number>();
  let lost = "";

  beforeEach(async () => {
    await el.start();
    el.handlers.set("eth_getBlockByNumber", () => ({
      number: `0x${head.toString(16)}`,
      baseFeePerGas: "0x7",
      gasLimit: "0x1c9c380",
    }));
    el.handlers.set("eth_getTransactionCount", (p) => {
      const who = String(p[0]).toLowerCase();
      return `0x${(mined.get(who) ?? 0).toString(16)}`;
    });
    el.handlers.set("eth_getCode", () => "0x");
    el.handlers.set("eth_sendRawTransaction", (p) => {
      const tx = createTxFromRLP(hexToBytes(String(p[0]) as `0x${string}`), { common });
      const from = tx.getSenderAddress().toString().toLowerCase();
      const nonce = Number(tx.nonce);
      sent.set(from, [...(sent.get(from) ?? []), nonce]);
      // Everyone's transactions are mined at once, except the lost sender's after its first one.
      if (from !== lost || nonce === 0) mined.set(from, Math.max(mined.get(from) ?? 0, nonce + 1));
      return `0x${Buffer.from(tx.hash()).toString("hex")}`;
    });
  });
  afterEach(async () => {
    await el.stop();
  });

  it("sends again from the mined nonce once a sender's transactions stop being mined", async () => {
    const accounts = devAccounts(8);
    lost = (accounts[0]?.address ?? "").toLowerCase();
    const gen = new TxGenerator({
      rpcUrl: el.url,
      chainId: 1337,
      accounts,
      intervalMs: 2000,
      logger: silentLogger(),
    });
    for (let b = 0; b < 7; b++) {
      head++;
      await gen.sendBatchIfHeadMoved();
    }
    const nonces = sent.get(lost) ?? [];
    // 0 (mined), 1 and 2, 3 lost (three batches with the mined nonce stuck at 1), then 1 again.
    expect(nonces.slice(0, 5)).toEqual([0, 1, 2, 3, 1]);
    expect(gen.stats().resynced).toBe(1);
    // Senders whose transactions were mined never went back.
    for (const [from, list] of sent) if (from !== lost) expect(list).toEqual(list.map((_, i) => i));
  });
});
