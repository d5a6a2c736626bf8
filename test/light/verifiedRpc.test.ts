// Verified JSON-RPC against a real HTTP JSON-RPC upstream serving real eth_getProof answers from a real
// Merkle-Patricia state trie (accounts + a contract's storage): correct answers come back; a flipped byte
// in the upstream's proof, balance, nonce, storage value or code is refused with an error naming it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createMerkleProof, createMPT, type MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { type Account, createAccount, KECCAK256_NULL, KECCAK256_RLP } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { VerifiedExecutionHead } from "../../src/light/interface.ts";
import {
  MAX_STORAGE_KEYS,
  RPC_NO_VERIFIED_HEAD,
  RPC_UNVERIFIED_BLOCK,
  VerifiedRpc,
} from "../../src/light/verifiedRpc.ts";
import { systemClock } from "../../src/util/clock.ts";
import { fromHex, toHex } from "../../src/util/hex.ts";
import { RpcTestServer } from "../execution/rpcTestServer.ts";

const ALICE = "0x1111111111111111111111111111111111111111";
const BOB = "0x2222222222222222222222222222222222222222";
const TOKEN = "0x3333333333333333333333333333333333333333";
const NOBODY = "0x4444444444444444444444444444444444444444";
const CODE = "0x6080604052348015600f57600080fd5b50603f80601d6000396000f3fe";
const SLOTS: Record<string, bigint> = { "0x0": 7n, "0x1": 0xdeadbeefn, "0x5": 2n ** 200n + 1n };
const EMPTY_SLOT = "0x9";
const BLOCK_NUMBER = 1234;
const BLOCK_HASH = `0x${"ab".repeat(32)}`;

const slotKey = (s: string) => fromHex(`0x${s.slice(2).padStart(64, "0")}`);
const minimalBytes = (v: bigint) => {
  const h = v.toString(16);
  return fromHex(`0x${h.length % 2 ? `0${h}` : h}`);
};
const hex32 = (v: bigint) => `0x${v.toString(16).padStart(64, "0")}`;

/** Flips the last hex digit of a 0x string (one byte changes). */
function flip(h: string): string {
  const last = h.at(-1) === "0" ? "1" : "0";
  return h.slice(0, -1) + last;
}

interface ProofAnswer {
  address: string;
  accountProof: string[];
  balance: string;
  codeHash: string;
  nonce: string;
  storageHash: string;
  storageProof: { key: string; value: string; proof: string[] }[];
}

describe("verified JSON-RPC", () => {
  const upstream = new RpcTestServer();
  let stateTrie: MerklePatriciaTrie;
  let stateRoot: Uint8Array;
  // Real eth_getProof answers, precomputed from the tries (the test server's handlers are synchronous).
  const accountProofs = new Map<string, Omit<ProofAnswer, "storageProof">>();
  const storageProofs = new Map<string, { key: string; value: string; proof: string[] }>();
  let tamper: (method: string, answer: unknown) => unknown = (_m, a) => a;
  let stringBlocksOnly = false;
  let head: VerifiedExecutionHead | undefined;
  let server: Server;
  let url = "";
  let rpc: VerifiedRpc;
  const checks: { method: string; ok: boolean }[] = [];

  beforeAll(async () => {
    const storage = await createMPT({ useKeyHashing: true });
    for (const [slot, v] of Object.entries(SLOTS))
      await storage.put(slotKey(slot), RLP.encode(minimalBytes(v)));
    const accounts: Record<string, Account> = {
      [ALICE]: createAccount({ nonce: 5n, balance: 10n ** 18n }),
      [BOB]: createAccount({ nonce: 0n, balance: 42n }),
      [TOKEN]: createAccount({
        nonce: 1n,
        balance: 0n,
        storageRoot: storage.root(),
        codeHash: keccak_256(fromHex(CODE)),
      }),
    };
    stateTrie = await createMPT({ useKeyHashing: true });
    for (const [a, acc] of Object.entries(accounts)) await stateTrie.put(fromHex(a), acc.serialize());
    stateRoot = stateTrie.root();
    for (const a of [ALICE, BOB, TOKEN, NOBODY]) {
      const acc = accounts[a];
      const proof = (await createMerkleProof(stateTrie, fromHex(a))).map(toHex);
      accountProofs.set(a, {
        address: a,
        accountProof: proof,
        balance: `0x${(acc?.balance ?? 0n).toString(16)}`,
        nonce: `0x${(acc?.nonce ?? 0n).toString(16)}`,
        codeHash: toHex(acc?.codeHash ?? KECCAK256_NULL),
        storageHash: toHex(acc?.storageRoot ?? KECCAK256_RLP),
      });
    }
    for (const slot of [...Object.keys(SLOTS), EMPTY_SLOT]) {
      const key = toHex(slotKey(slot));
      storageProofs.set(key, {
        key,
        value: `0x${(SLOTS[slot] ?? 0n).toString(16)}`,
        proof: (await createMerkleProof(storage, slotKey(slot))).map(toHex),
      });
    }
    const emptyStorage = { key: "", value: "0x0", proof: [] as string[] };

    upstream.handlers.set("eth_getProof", (params) => {
      const [address, keys, block] = params as [string, string[], { blockHash: string } | string];
      if (typeof block === "string") {
        if (BigInt(block) !== BigInt(BLOCK_NUMBER)) throw new Error("header not found");
      } else if (stringBlocksOnly) {
        // The EthereumJS client's answer to an EIP-1898 block object.
        throw Object.assign(new Error("invalid argument 2: argument must be a string"), { code: -32602 });
      } else if (block.blockHash !== BLOCK_HASH) throw new Error("header not found");
      const acc = accountProofs.get(address);
      if (!acc) throw new Error("unknown account in this test");
      const storageProof = keys.map((k) =>
        address === TOKEN
          ? { ...(storageProofs.get(k) ?? emptyStorage), key: k }
          : { ...emptyStorage, key: k },
      );
      return tamper("eth_getProof", structuredClone({ ...acc, storageProof }));
    });
    upstream.handlers.set("eth_getCode", (params) =>
      tamper("eth_getCode", params[0] === TOKEN ? CODE : "0x"),
    );
    await upstream.start();

    rpc = new VerifiedRpc(
      { upstreamUrl: upstream.url },
      {
        head: () => head,
        clock: systemClock,
        metrics: { recordRpcCheck: (method, _ms, ok) => checks.push({ method, ok }) },
      },
    );
    server = createServer((req, res) => void rpc.handleHttp(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await upstream.stop();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  beforeEach(() => {
    tamper = (_m, a) => a;
    checks.length = 0;
    head = {
      slot: 100,
      blockRoot: `0x${"01".repeat(32)}`,
      executionBlockNumber: BLOCK_NUMBER,
      executionBlockHash: BLOCK_HASH,
      stateRoot: toHex(stateRoot),
      payloadRoot: `0x${"02".repeat(32)}`,
      proofs: [],
      headerVerifiedAt: 0,
      provenAt: 0,
    };
  });

  async function post(body: unknown): Promise<unknown> {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return res.json();
  }

  async function call(
    method: string,
    params: unknown[],
  ): Promise<{ result?: unknown; error?: { code: number; message: string; data?: { mismatch?: string } } }> {
    return (await post({ jsonrpc: "2.0", id: 1, method, params })) as {
      result?: unknown;
      error?: { code: number; message: string; data?: { mismatch?: string } };
    };
  }

  it("refuses an eth_getProof with more storage keys than it checks per call, without asking upstream", async () => {
    const before = upstream.calls.length;
    const keys = Array.from(
      { length: MAX_STORAGE_KEYS + 1 },
      (_, i) => `0x${i.toString(16).padStart(64, "0")}`,
    );
    const r = await call("eth_getProof", [ALICE, keys, "latest"]);
    expect(r.error?.code).toBe(-32602);
    expect(r.error?.message).toMatch(/at most 256 storage keys/);
    expect(upstream.calls.length).toBe(before);
  });

  it("asks an upstream that takes no block objects by number, and still checks the answer", async () => {
    stringBlocksOnly = true;
    try {
      const alone = new VerifiedRpc({ upstreamUrl: upstream.url }, { head: () => head, clock: systemClock });
      const ok = (await alone.handle({
        jsonrpc: "2.0",
        id: 1,
        method: "eth_getBalance",
        params: [ALICE, "latest"],
      })) as {
        result?: string;
      };
      expect(BigInt(ok.result ?? "0")).toBe(10n ** 18n);
      tamper = (m, a) => (m === "eth_getProof" ? { ...(a as ProofAnswer), balance: "0x1" } : a);
      const bad = (await alone.handle({
        jsonrpc: "2.0",
        id: 2,
        method: "eth_getBalance",
        params: [ALICE, "latest"],
      })) as {
        error?: { code: number; data?: { mismatch?: string } };
      };
      expect(bad.error?.code).toBe(-32003);
      expect(bad.error?.data?.mismatch).toBe("balance");
    } finally {
      stringBlocksOnly = false;
    }
  });

  it("answers eth_blockNumber with the verified head's number, without the upstream", async () => {
    const before = upstream.calls.length;
    expect(await call("eth_blockNumber", [])).toMatchObject({ result: `0x${BLOCK_NUMBER.toString(16)}` });
    expect(upstream.calls.length).toBe(before);
  });

  it("answers balances, nonces, code and storage proven against the state root", async () => {
    expect((await call("eth_getBalance", [ALICE, "latest"])).result).toBe(`0x${(10n ** 18n).toString(16)}`);
    expect((await call("eth_getTransactionCount", [ALICE, "latest"])).result).toBe("0x5");
    expect((await call("eth_getBalance", [BOB, `0x${BLOCK_NUMBER.toString(16)}`])).result).toBe("0x2a");
    expect((await call("eth_getBalance", [BOB, BLOCK_HASH])).result).toBe("0x2a");
    expect((await call("eth_getBalance", [BOB, { blockHash: BLOCK_HASH }])).result).toBe("0x2a");
    expect((await call("eth_getCode", [TOKEN, "latest"])).result).toBe(CODE);
    expect((await call("eth_getCode", [ALICE, "latest"])).result).toBe("0x");
    for (const [slot, v] of Object.entries(SLOTS))
      expect((await call("eth_getStorageAt", [TOKEN, slot, "latest"])).result).toBe(hex32(v));
    expect((await call("eth_getStorageAt", [TOKEN, EMPTY_SLOT, "latest"])).result).toBe(hex32(0n));
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(checks.map((c) => c.method)).toContain("eth_getStorageAt");
  });

  it("proves an absent account empty (balance 0, nonce 0, no code)", async () => {
    expect((await call("eth_getBalance", [NOBODY, "latest"])).result).toBe("0x0");
    expect((await call("eth_getTransactionCount", [NOBODY, "latest"])).result).toBe("0x0");
    expect((await call("eth_getCode", [NOBODY, "latest"])).result).toBe("0x");
  });

  it("passes eth_getProof through once checked, and answers batches", async () => {
    const slot = toHex(slotKey("0x1"));
    const out = (await call("eth_getProof", [TOKEN, [slot], "latest"])).result as ProofAnswer;
    expect(out.storageProof[0]?.value).toBe("0xdeadbeef");
    expect(out.storageHash).toBe(accountProofs.get(TOKEN)?.storageHash);
    // Only checked fields are passed on.
    tamper = (_m, a) => ({ ...(a as ProofAnswer), injected: "0xbad" });
    const again = (await call("eth_getProof", [TOKEN, [slot], "latest"])).result as Record<string, unknown>;
    expect(again.injected).toBeUndefined();
    expect(again.balance).toBe("0x0");
    const batch = (await post([
      { jsonrpc: "2.0", id: 1, method: "eth_getBalance", params: [BOB, "latest"] },
      { jsonrpc: "2.0", id: 2, method: "eth_chainId", params: [] },
    ])) as { id: number; result?: string; error?: { code: number } }[];
    expect(batch[0]).toMatchObject({ id: 1, result: "0x2a" });
    expect(batch[1]?.error?.code).toBe(-32601);
  });

  const refusals: [string, string, unknown[], (method: string, a: unknown) => unknown][] = [
    [
      "accountProof",
      "eth_getBalance",
      [ALICE, "latest"],
      (_m, a) => {
        const p = a as ProofAnswer;
        const last = p.accountProof.length - 1;
        p.accountProof[last] = flip(p.accountProof[last] ?? "0x00");
        return p;
      },
    ],
    [
      "accountProof",
      "eth_getBalance",
      [ALICE, "latest"],
      (_m, a) => {
        const p = a as ProofAnswer;
        p.accountProof[0] = flip(p.accountProof[0] ?? "0x00");
        return p;
      },
    ],
    [
      "balance",
      "eth_getBalance",
      [ALICE, "latest"],
      (_m, a) => ({ ...(a as ProofAnswer), balance: flip((a as ProofAnswer).balance) }),
    ],
    [
      "nonce",
      "eth_getTransactionCount",
      [ALICE, "latest"],
      (_m, a) => ({ ...(a as ProofAnswer), nonce: "0x6" }),
    ],
    ["balance", "eth_getBalance", [NOBODY, "latest"], (_m, a) => ({ ...(a as ProofAnswer), balance: "0x1" })],
    [
      "storageValue",
      "eth_getStorageAt",
      [TOKEN, "0x1", "latest"],
      (_m, a) => {
        const p = a as ProofAnswer;
        const s = p.storageProof[0];
        if (s) s.value = flip(s.value);
        return p;
      },
    ],
    [
      "storageProof",
      "eth_getStorageAt",
      [TOKEN, "0x5", "latest"],
      (_m, a) => {
        const p = a as ProofAnswer;
        const s = p.storageProof[0];
        if (s) s.proof[s.proof.length - 1] = flip(s.proof[s.proof.length - 1] ?? "0x00");
        return p;
      },
    ],
    [
      "storageHash",
      "eth_getStorageAt",
      [TOKEN, "0x0", "latest"],
      (_m, a) => ({ ...(a as ProofAnswer), storageHash: flip((a as ProofAnswer).storageHash) }),
    ],
    ["code", "eth_getCode", [TOKEN, "latest"], (m, a) => (m === "eth_getCode" ? flip(a as string) : a)],
    [
      "codeHash",
      "eth_getCode",
      [TOKEN, "latest"],
      (m, a) =>
        m === "eth_getProof" ? { ...(a as ProofAnswer), codeHash: flip((a as ProofAnswer).codeHash) } : a,
    ],
  ];

  it.each(refusals)("refuses a wrong %s from the upstream (%s)", async (what, method, params, t) => {
    tamper = t;
    const out = await call(method, params);
    expect(out.result).toBeUndefined();
    expect(out.error?.data?.mismatch).toBe(what);
    expect(out.error?.message).toMatch(/^upstream answer refused: /);
    expect(checks).toEqual([{ method, ok: false }]);
  });

  it("names the mismatch in the message", async () => {
    tamper = (_m, a) => ({ ...(a as ProofAnswer), balance: "0x2b" });
    expect((await call("eth_getBalance", [BOB, "latest"])).error?.message).toContain(
      `the upstream's balance 43 for ${BOB} at block ${BLOCK_NUMBER} is not the proven 42`,
    );
    tamper = (_m, a) => (typeof a === "string" ? `${a}00` : a);
    expect((await call("eth_getCode", [TOKEN, "latest"])).error?.message).toMatch(
      /hashes to 0x[0-9a-f]{64}, not the proven code hash/,
    );
  });

  it("answers only for the verified head, and says when there is none", async () => {
    for (const tag of ["pending", "earliest", "0x1", `0x${"cd".repeat(32)}`, { blockNumber: "0x4d3" }]) {
      const out = await call("eth_getBalance", [ALICE, tag]);
      expect(out.error?.code).toBe(RPC_UNVERIFIED_BLOCK);
      expect(out.error?.message).toContain(`answers only for the verified head (block ${BLOCK_NUMBER}`);
    }
    expect((await call("eth_getBalance", [ALICE, "0xzz"])).error?.code).toBe(RPC_UNVERIFIED_BLOCK);
    expect((await call("eth_getBalance", ["0x12", "latest"])).error?.code).toBe(-32602);
    head = undefined;
    const none = await call("eth_blockNumber", []);
    expect(none.error?.code).toBe(RPC_NO_VERIFIED_HEAD);
    expect(none.error?.message).toContain("no verified execution head yet");
  });

  it("refuses a state root the upstream's proof is not from", async () => {
    if (head) head.stateRoot = toHex(keccak_256(new Uint8Array([1])));
    const out = await call("eth_getBalance", [ALICE, "latest"]);
    expect(out.error?.data?.mismatch).toBe("accountProof");
    expect(out.error?.message).toContain("does not verify against the verified state root");
  });

  it("reports an upstream failure as such, and a body that is not JSON as a parse error", async () => {
    if (head) head.executionBlockHash = `0x${"ee".repeat(32)}`;
    const out = await call("eth_getBalance", [ALICE, "latest"]);
    expect(out.error?.message).toMatch(/the upstream .* failed: .*header not found/);
    const res = await fetch(url, { method: "POST", body: "{not json" });
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32700);
  });
});
