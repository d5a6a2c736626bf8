// Fork digests switch at fork boundaries on the injected clock; the signing domain follows the fork.
import { createChainForkConfig } from "@lodestar/config";
import { describe, expect, it } from "vitest";
import { ForkSchedule } from "../../src/p2p/forkSchedule.ts";
import { executionProofTopic } from "../../src/p2p/gossip/topic.ts";
import { getProfile } from "../../src/spec/profile.ts";
import type { Clock } from "../../src/util/clock.ts";

describe("ForkSchedule", () => {
  it("changes the digest (and topic) at a fork boundary and tells listeners", () => {
    let nowMs = 1_000_000;
    const clock: Clock = { now: () => nowMs, sleep: async () => undefined };
    const chainConfig = createChainForkConfig({
      ALTAIR_FORK_EPOCH: 0,
      BELLATRIX_FORK_EPOCH: 0,
      CAPELLA_FORK_EPOCH: 0,
      DENEB_FORK_EPOCH: 0,
      ELECTRA_FORK_EPOCH: 0,
      FULU_FORK_EPOCH: 2,
    });
    const schedule = new ForkSchedule({
      chainConfig,
      genesisValidatorsRoot: new Uint8Array(32).fill(3),
      genesisTime: nowMs / 1000,
      profile: getProfile(),
      clock,
    });
    const before = schedule.current();
    const domainBefore = schedule.currentDomain();
    expect(domainBefore.subarray(0, 4)).toEqual(Uint8Array.of(0x0f, 0, 0, 0));
    const seen: Uint8Array[] = [];
    schedule.onChange((d) => seen.push(d));
    nowMs += 32 * 12_000; // epoch 1: same fork
    schedule.check();
    expect(seen.length).toBe(0);
    nowMs += 32 * 12_000; // epoch 2: Fulu
    schedule.check();
    expect(seen.length).toBe(1);
    expect(seen[0]).toEqual(schedule.current());
    expect(schedule.current()).not.toEqual(before);
    expect(executionProofTopic(schedule.current())).not.toBe(executionProofTopic(before));
    expect(schedule.currentDomain()).not.toEqual(domainBefore);
    expect(schedule.all().map((d) => Buffer.from(d).toString("hex"))).toContain(
      Buffer.from(schedule.current()).toString("hex"),
    );
  });
});
