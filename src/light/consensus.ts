// The consensus side of `eproof light`: bootstraps from the user's trusted checkpoint root, catches up
// sync periods, then polls the untrusted beacon node's finality and optimistic updates each interval.
// Every header it emits passed syncProtocol.ts; a refused update is logged, counted and never applied.
import type { BeaconConfig } from "@lodestar/config";
import type { LightClientHeader } from "@lodestar/types";
import type { Clock } from "../util/clock.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { toHex } from "../util/hex.ts";
import type { Logger } from "../util/logger.ts";
import { LightClientRefusal, type LightMetrics, type VerifiedHeader } from "./interface.ts";
import type { LightClientApi } from "./lightClientApi.ts";
import { computeSyncPeriodAtSlot, type StoreChange, SyncStore, toVerifiedHeader } from "./syncProtocol.ts";

/** How often (slots) to ask for period updates while the next sync committee is unknown. */
const UPDATES_RETRY_SLOTS = 32;

export interface LightConsensusOpts {
  checkpointRoot: Uint8Array;
  genesisTime: number;
  secondsPerSlot: number;
  pollIntervalMs: number;
  /** Slots a signature slot may be ahead of our clock (clock disparity). */
  clockToleranceSlots: number;
}

export interface LightConsensusModules {
  api: LightClientApi;
  config: BeaconConfig;
  clock: Clock;
  logger: Logger;
  metrics?: LightMetrics;
  onHeader: (header: VerifiedHeader) => void;
}

export class LightConsensus {
  private readonly o: LightConsensusOpts;
  private readonly m: LightConsensusModules;
  private store: SyncStore | undefined;
  private lastRefusal: { reason: string; message: string; at: number } | undefined;
  private nextUpdatesSlot = 0;
  /** Request name -> its last error, while it keeps failing. */
  private readonly failing = new Map<string, string>();

  constructor(o: LightConsensusOpts, m: LightConsensusModules) {
    this.o = o;
    this.m = m;
  }

  currentSlot(): number {
    const secs = this.m.clock.now() / 1000 - this.o.genesisTime;
    return Math.max(0, Math.floor(secs / this.o.secondsPerSlot));
  }

  get optimisticSlot(): number {
    return this.store?.optimisticHeader.beacon.slot ?? 0;
  }

  get finalizedSlot(): number {
    return this.store?.finalizedHeader.beacon.slot ?? 0;
  }

  get optimisticHeader(): LightClientHeader | undefined {
    return this.store?.optimisticHeader;
  }

  get refusal(): { reason: string; message: string; at: number } | undefined {
    return this.lastRefusal;
  }

  /** Fetches and checks the bootstrap; throws EproofError when the server's answer is not the checkpoint. */
  async bootstrap(signal?: AbortSignal): Promise<VerifiedHeader> {
    const bootstrap = await this.m.api.getBootstrap(toHex(this.o.checkpointRoot), signal);
    try {
      this.store = new SyncStore(this.m.config, this.o.checkpointRoot, bootstrap);
    } catch (e) {
      if (e instanceof LightClientRefusal) {
        this.refused(e);
        throw new EproofError("UPSTREAM", `beacon ${this.m.api.url} served a bad bootstrap: ${e.message}`);
      }
      throw e;
    }
    const header = toVerifiedHeader(bootstrap.header, "finality");
    this.m.logger.info({ slot: header.slot, root: toHex(header.blockRoot) }, "light client bootstrapped");
    this.m.onHeader(header);
    return header;
  }

  /**
   * One round: catch up periods, then the finality and optimistic updates, each on its own: a server
   * with no finality yet (a young chain) must not hold the optimistic head back. Refusals do not throw;
   * upstream failures are logged (once per distinct error) and retried next round.
   */
  async poll(signal?: AbortSignal): Promise<void> {
    const store = this.store;
    if (!store) throw new EproofError("INTERNAL", "light client polled before bootstrap");
    const now = this.currentSlot() + this.o.clockToleranceSlots;
    const slot = this.currentSlot();
    const currentPeriod = computeSyncPeriodAtSlot(slot);
    // The next committee is only learned from a finalized update: without one, ask again each epoch,
    // not each round (a period's updates are tens of KB).
    const behind = store.period < currentPeriod;
    if (behind || (!store.nextCommitteeKnown && slot >= this.nextUpdatesSlot)) {
      this.nextUpdatesSlot = slot + UPDATES_RETRY_SLOTS;
      await this.step("updates", signal, async () => {
        const count = Math.min(32, currentPeriod - store.period + 1);
        for (const update of await this.m.api.getUpdates(store.period, count, signal)) {
          this.apply(() => store.processUpdate(update, now));
        }
      });
    }
    // Both asked at once (a slow answer to one must not make us miss the other), applied in order.
    const finality = this.m.api.getFinalityUpdate(signal);
    const optimistic = this.m.api.getOptimisticUpdate(signal);
    finality.catch(() => undefined);
    optimistic.catch(() => undefined);
    await this.step("finality_update", signal, async () => {
      const u = await finality;
      if (u) this.apply(() => store.processFinalityUpdate(u, now));
    });
    await this.step("optimistic_update", signal, async () => {
      const u = await optimistic;
      if (u) this.apply(() => store.processOptimisticUpdate(u, now));
    });
  }

  /** Polls until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.poll(signal);
      } catch (e) {
        if (signal.aborted) return;
        this.m.logger.warn({ beacon: this.m.api.url, err: errorMessage(e) }, "light-client poll failed");
      }
      try {
        await this.m.clock.sleep(this.o.pollIntervalMs, signal);
      } catch {
        return;
      }
    }
  }

  /** Runs one request of a round; its failure is warned about once (then debug) until it succeeds. */
  private async step(name: string, signal: AbortSignal | undefined, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
      if (this.failing.delete(name))
        this.m.logger.info({ beacon: this.m.api.url, request: name }, "light-client request works again");
    } catch (e) {
      if (signal?.aborted) throw e;
      const err = errorMessage(e);
      const log = this.failing.get(name) === err ? this.m.logger.debug : this.m.logger.warn;
      log.call(this.m.logger, { beacon: this.m.api.url, request: name, err }, "light-client request failed");
      this.failing.set(name, err);
    }
  }

  private apply(fn: () => StoreChange): void {
    let change: StoreChange;
    try {
      change = fn();
    } catch (e) {
      if (e instanceof LightClientRefusal) {
        this.refused(e);
        return;
      }
      throw e;
    }
    if (change.finalized) {
      this.m.metrics?.recordHeaderVerified("finalized");
      this.m.onHeader(toVerifiedHeader(change.finalized, "finality"));
    }
    if (change.optimistic && change.optimistic !== change.finalized) {
      this.m.metrics?.recordHeaderVerified("optimistic");
      this.m.onHeader(toVerifiedHeader(change.optimistic, "sync_committee"));
    }
  }

  private refused(e: LightClientRefusal): void {
    this.lastRefusal = { reason: e.reason, message: e.message, at: this.m.clock.now() };
    this.m.metrics?.recordUpdateRefused(e.reason);
    this.m.logger.warn(
      { beacon: this.m.api.url, reason: e.reason, err: e.message },
      "light-client update refused",
    );
  }
}
