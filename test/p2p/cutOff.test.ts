// The flood ban and the per-IP inbound throttle on simulated time (src/p2p/cutOff.ts).
import { describe, expect, it } from "vitest";
import { CutOffPeers, ipOf } from "../../src/p2p/cutOff.ts";
import type { Clock } from "../../src/util/clock.ts";

function clock(): Clock & { t: number } {
  return {
    t: 1_000_000,
    now() {
      return this.t;
    },
    sleep: async () => undefined,
  };
}

describe("CutOffPeers", () => {
  it("bans a cut peer for the ban period: connections refused, RPCs dropped, then forgiven", () => {
    const c = clock();
    const cut = new CutOffPeers(c, 600_000);
    expect(cut.cut("p1", "10.0.0.1")).toBe(true);
    expect(cut.cut("p1", "10.0.0.1")).toBe(false);
    expect(cut.refuseConnection("p1")).toBe(true);
    expect(cut.refuseConnection("p2")).toBe(false);
    expect(cut.acceptRpc("p1")).toBe(false);
    expect(cut.acceptRpc("p2")).toBe(true);
    c.t += 600_000;
    expect(cut.refuseConnection("p1")).toBe(false);
    expect(cut.acceptRpc("p1")).toBe(true);
    expect(cut.stats).toEqual({
      cutOff: 1,
      refusedConnections: 1,
      droppedUnread: 1,
      throttledConnections: 0,
    });
  });

  it("throttles inbound connections from an IP after 3 offences a minute, doubling, and lets go when they stop", () => {
    const c = clock();
    const cut = new CutOffPeers(c, 600_000);
    const ip = "10.0.0.2";
    cut.cut("a", ip);
    cut.cut("b", ip);
    expect(cut.throttleInbound(ip)).toBe(false);
    expect(cut.throttleInbound(ip)).toBe(false);
    cut.cut("c", ip); // third offence: throttled from now on, one connection a second
    expect(cut.throttleInbound("10.0.0.3")).toBe(false); // other IPs are not touched
    expect(cut.throttleInbound(ip)).toBe(false); // one let in
    expect(cut.throttleInbound(ip)).toBe(true);
    c.t += 999;
    expect(cut.throttleInbound(ip)).toBe(true);
    c.t += 1;
    expect(cut.throttleInbound(ip)).toBe(false);
    // The one let in was a banned peer again (an offence while throttled): the interval doubles.
    expect(cut.refuseConnection("a", ip)).toBe(true);
    c.t += 1_999;
    expect(cut.throttleInbound(ip)).toBe(true);
    c.t += 1;
    expect(cut.throttleInbound(ip)).toBe(false);
    for (let i = 0; i < 10; i++) cut.refuseConnection("a", ip);
    c.t += 15_999;
    expect(cut.throttleInbound(ip)).toBe(true); // capped at 16 s
    c.t += 1;
    expect(cut.throttleInbound(ip)).toBe(false);
    // A minute without offences: no throttle, and a new offence starts from the bottom.
    c.t += 60_001;
    expect(cut.throttleInbound(ip)).toBe(false);
    expect(cut.throttleInbound(ip)).toBe(false);
    expect(cut.stats.throttledConnections).toBe(4);
  });

  it("reads the IP of a multiaddr", () => {
    expect(ipOf("/ip4/127.0.0.1/tcp/9000/p2p/16Uiu2")).toBe("127.0.0.1");
    expect(ipOf("/ip6/::1/tcp/9000")).toBe("::1");
    expect(ipOf("/dns4/example.org/tcp/1")).toBeUndefined();
  });
});
