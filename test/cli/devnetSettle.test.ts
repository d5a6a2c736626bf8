// `eproof devnet --slots N --json` judges each block only once it settled (issue 18, defect 9): the
// block arriving at the end of the grace period is proved moments later and must not count unproved.
import { describe, expect, it } from "vitest";
import { type SettleTrack, settleInFlight } from "../../src/devnet/proofDevnet.ts";

const track = (provedAt: number | null, verifiers: number[] = [], orphaned = false): SettleTrack => ({
  provedAt,
  verifiedAt: new Map(verifiers.map((v) => [v, 1])),
  orphaned,
});

describe("devnet settle wait", () => {
  it("waits for a block proved and verified after the grace period", async () => {
    const done = track(1, [0, 1]);
    const late = track(null);
    setTimeout(() => {
      late.provedAt = Date.now();
    }, 30);
    setTimeout(() => late.verifiedAt.set(0, Date.now()), 50);
    setTimeout(() => late.verifiedAt.set(1, Date.now()), 70);
    expect(await settleInFlight([done, late], 2, 10_000, undefined, 5)).toBe(0);
    expect(late.verifiedAt.size).toBe(2);
  });

  it("counts orphaned blocks as settled and gives up on a block never proved", async () => {
    const never = track(null);
    expect(await settleInFlight([track(null, [], true), never], 2, 50, undefined, 5)).toBe(1);
  });

  it("stops waiting once aborted", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    expect(await settleInFlight([track(null)], 1, 60_000, ac.signal, 5)).toBe(1);
  });
});
