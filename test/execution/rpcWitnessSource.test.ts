import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JsonRpcClient } from "../../src/execution/jsonRpcClient.ts";
import {
  DebugThenProofWitnessSource,
  RpcChainConfigSource,
  RpcWitnessSource,
  WitnessMethodsMissingError,
} from "../../src/execution/rpcWitnessSource.ts";
import { systemClock } from "../../src/util/clock.ts";
import { FIXTURES } from "../beacon/beaconTestServer.ts";
import { RpcTestServer } from "./rpcTestServer.ts";

const witness = JSON.parse(readFileSync(new URL("zkboost-devnet/execution_witness.json", FIXTURES), "utf8"));
const req = { blockHash: new Uint8Array(32).fill(1), blockNumber: 1200 };

describe("RpcWitnessSource", () => {
  let el: RpcTestServer;
  beforeEach(async () => {
    el = new RpcTestServer();
    await el.start();
  });
  afterEach(() => el.stop());
  const source = () =>
    new RpcWitnessSource(
      new JsonRpcClient({ url: el.url }, { clock: systemClock }),
      { clock: systemClock },
      { retryMs: 10, waitMs: 200 },
    );

  it("falls back to debug_executionWitness by number (hex) and remembers the working method", async () => {
    el.handlers.set("debug_executionWitness", (p) => (p[0] === "0x4b0" ? witness : null));
    const s = source();
    const first = await s.fetchWitness(req);
    expect(first.method).toBe("debug_executionWitness");
    expect(first.witness.state).toHaveLength(witness.state.length);
    expect(first.witness.headers).toHaveLength(witness.headers.length);
    await s.fetchWitness(req);
    expect(el.calls.filter((c) => c.method === "debug_executionWitnessByBlockHash")).toHaveLength(1);
  });

  it("retries while the EL has not executed the block yet", async () => {
    let asked = 0;
    el.handlers.set("debug_executionWitnessByBlockHash", () => (++asked < 3 ? null : witness));
    const got = await source().fetchWitness(req);
    expect(got.method).toBe("debug_executionWitnessByBlockHash");
    expect(asked).toBe(3);
  });

  it("says so when the EL offers neither method, and rejects a malformed witness", async () => {
    await expect(source().fetchWitness(req)).rejects.toBeInstanceOf(WitnessMethodsMissingError);
    el.handlers.set("debug_executionWitness", () => ({ state: ["0xzz"], headers: [] }));
    await expect(source().fetchWitness(req)).rejects.toThrow(/malformed witness/);
  });

  it("reads the chain config from debug_chainConfig once", async () => {
    el.handlers.set("debug_chainConfig", () => ({ chainId: 3151908, osakaTime: 0 }));
    const src = new RpcChainConfigSource(new JsonRpcClient({ url: el.url }, { clock: systemClock }));
    expect((await src.chainConfig()).chainId).toBe(3151908);
    await src.chainConfig();
    expect(el.calls.filter((c) => c.method === "debug_chainConfig")).toHaveLength(1);
    el.handlers.set("debug_chainConfig", () => [1, 2]);
    await expect(
      new RpcChainConfigSource(new JsonRpcClient({ url: el.url }, { clock: systemClock })).chainConfig(),
    ).rejects.toMatchObject({ code: "BAD_CONFIG" });
  });
});

describe("DebugThenProofWitnessSource", () => {
  it("uses the fallback only after the EL said it has no witness method, and remembers that", async () => {
    const el = new RpcTestServer();
    await el.start();
    try {
      const debug = new RpcWitnessSource(new JsonRpcClient({ url: el.url }, { clock: systemClock }), {
        clock: systemClock,
      });
      let fallbackCalls = 0;
      const fallback = {
        fetchWitness: async () => {
          fallbackCalls++;
          return {
            witness: { state: [], codes: [], headers: [] },
            method: "eth_getProof_fallback" as const,
            ms: 0,
          };
        },
      };
      const src = new DebugThenProofWitnessSource(debug, fallback);
      expect((await src.fetchWitness(req)).method).toBe("eth_getProof_fallback");
      const asked = el.calls.length;
      await src.fetchWitness(req);
      expect(el.calls.length).toBe(asked);
      expect(fallbackCalls).toBe(2);
      el.handlers.set("debug_executionWitness", () => witness);
      const fresh = new DebugThenProofWitnessSource(
        new RpcWitnessSource(new JsonRpcClient({ url: el.url }, { clock: systemClock }), {
          clock: systemClock,
        }),
        fallback,
      );
      expect((await fresh.fetchWitness(req)).method).toBe("debug_executionWitness");
    } finally {
      await el.stop();
    }
  });
});
