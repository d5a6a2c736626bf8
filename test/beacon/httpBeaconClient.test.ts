import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpBeaconClient } from "../../src/beacon/httpBeaconClient.ts";
import { UpstreamError } from "../../src/beacon/upstreamError.ts";
import type { Clock } from "../../src/util/clock.ts";
import { systemClock } from "../../src/util/clock.ts";
import { fromHex, toHex } from "../../src/util/hex.ts";
import { BeaconTestServer, fuluBlockAround, zkboostNpr } from "./beaconTestServer.ts";

/** Real sleeps, but `now()` is set by the test so epochs can be advanced. */
class SteppedClock implements Clock {
  t: number;
  constructor(t: number) {
    this.t = t;
  }
  now() {
    return this.t;
  }
  sleep(ms: number, signal?: AbortSignal) {
    return systemClock.sleep(ms, signal);
  }
}

describe("HttpBeaconClient", () => {
  const server = new BeaconTestServer();
  const npr = zkboostNpr();
  let root = "";
  beforeAll(async () => {
    await server.start();
    root = server.addBlock(fuluBlockAround(npr, 7, npr.parentBeaconBlockRoot));
    server.validators = [
      { index: 0, pubkey: `0x${"a1".repeat(48)}`, status: "active_ongoing" },
      { index: 1, pubkey: `0x${"b2".repeat(48)}`, status: "pending_queued" },
    ];
  });
  afterAll(() => server.stop());
  const client = (clock: Clock = systemClock, timeout = 5000) =>
    new HttpBeaconClient({ baseUrl: server.url, requestTimeoutMs: timeout }, { clock });

  it("reads genesis, spec, fork schedule, head and finality", async () => {
    const c = client();
    const g = await c.getGenesis();
    expect(g.genesisTime).toBe(1700000000);
    expect(toHex(g.genesisForkVersion)).toBe("0x10000038");
    expect((await c.getSpec()).SLOTS_PER_EPOCH).toBe("8");
    expect((await c.getForkSchedule())[0]?.currentVersion).toEqual(fromHex("0x60000038"));
    const head = await c.getHeadHeader();
    expect(head.slot).toBe(7);
    expect(toHex(head.root)).toBe(root);
    expect((await c.getFinalityCheckpoints()).finalized.epoch).toBe(0);
  });

  it("fetches a block as SSZ, falls back to JSON, and reports 404 as undefined", async () => {
    const c = client();
    const ssz = await c.getBlock("head");
    expect(ssz?.encoding).toBe("ssz");
    expect(ssz?.fork).toBe("fulu");
    expect(toHex(ssz?.blockRoot ?? new Uint8Array())).toBe(root);
    server.jsonOnly = true;
    const json = await c.getBlock(7);
    server.jsonOnly = false;
    expect(json?.encoding).toBe("json");
    expect(toHex(json?.blockRoot ?? new Uint8Array())).toBe(root);
    expect(await c.getBlock(8)).toBeUndefined();
  });

  it("classifies HTTP errors, garbage bodies and timeouts as UpstreamErrors", async () => {
    server.failPaths.set("/eth/v1/config/spec", 500);
    await expect(client().getSpec()).rejects.toMatchObject({ kind: "http_status", status: 500 });
    server.failPaths.delete("/eth/v1/config/spec");
    server.garbagePaths.add("/eth/v1/config/fork_schedule");
    await expect(client().getForkSchedule()).rejects.toMatchObject({ kind: "malformed" });
    server.garbagePaths.delete("/eth/v1/config/fork_schedule");
    server.hangPaths.add("/eth/v1/beacon/headers/head");
    const err = await client(systemClock, 50)
      .getHeadHeader()
      .catch((e: unknown) => e);
    server.hangPaths.delete("/eth/v1/beacon/headers/head");
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: "timeout", code: "TIMEOUT" });
    await expect(
      new HttpBeaconClient({ baseUrl: "http://127.0.0.1:1" }, { clock: systemClock }).getGenesis(),
    ).rejects.toMatchObject({ kind: "connect" });
  });

  it("caches validators per epoch and refreshes in a new epoch", async () => {
    const clock = new SteppedClock(1700000000_000 + 5_000);
    const c = client(clock);
    const v0 = await c.getValidator(0);
    expect(v0?.active).toBe(true);
    expect(toHex(v0?.pubkey ?? new Uint8Array())).toBe(`0x${"a1".repeat(48)}`);
    expect((await c.getValidator(1))?.active).toBe(false);
    const calls = () => server.requests.filter((r) => r.endsWith("/validators")).length;
    const before = calls();
    await c.getValidator(0);
    expect(calls()).toBe(before);
    clock.t += 8 * 12 * 1000; // one epoch later (8 slots of 12 s on this server)
    server.validators[0] = { index: 0, pubkey: `0x${"a1".repeat(48)}`, status: "exited_unslashed" };
    expect((await c.getValidator(0))?.active).toBe(false);
    expect(calls()).toBe(before + 1);
    expect(await c.getValidator(99)).toBeUndefined();
  });
});
