// From chain events to StatelessInputs: payload events queue up (newest first, bounded), a few are built
// at a time, and a reorg aborts and drops the work of orphaned blocks. Owns its queue and in-flight map.
import type { ChainEvent, PayloadEvent } from "../beacon/interface.ts";
import { errorMessage } from "../util/errors.ts";
import { toHex } from "../util/hex.ts";
import type { Logger } from "../util/logger.ts";
import type { StatelessInputReady } from "./interface.ts";
import type { StatelessInputBuilder } from "./statelessInput.ts";

export interface InputPipelineOpts {
  /** Inputs built concurrently (witness fetches overlap). */
  maxInFlight: number;
  /** Waiting payloads kept; beyond it the oldest are dropped (newer blocks matter more). */
  maxQueued: number;
}

export const defaultInputPipelineOpts: InputPipelineOpts = { maxInFlight: 2, maxQueued: 32 };

export interface InputPipelineHandlers {
  onReady(ready: StatelessInputReady): void;
  onFailed?(event: PayloadEvent, error: Error): void;
  onDropped?(event: PayloadEvent, why: "orphaned" | "queue_full"): void;
}

export class StatelessInputPipeline {
  private readonly opts: InputPipelineOpts;
  private readonly builder: Pick<StatelessInputBuilder, "build">;
  private readonly logger: Logger;
  private readonly handlers: InputPipelineHandlers;
  /** Newest last; taken from the end (newest first). */
  private readonly queue: PayloadEvent[] = [];
  private readonly inFlight = new Map<string, { ctrl: AbortController; done: Promise<void> }>();

  constructor(
    opts: Partial<InputPipelineOpts>,
    modules: { builder: Pick<StatelessInputBuilder, "build">; logger: Logger },
    handlers: InputPipelineHandlers,
  ) {
    this.opts = { ...defaultInputPipelineOpts, ...opts };
    this.builder = modules.builder;
    this.logger = modules.logger;
    this.handlers = handlers;
  }

  /** Feed every ChainEvent of the follower here. */
  onChainEvent(event: ChainEvent): void {
    if (event.type === "payload") {
      this.queue.push(event);
      this.queue.sort((a, b) => a.slot - b.slot);
      while (this.queue.length > this.opts.maxQueued) {
        const dropped = this.queue.shift();
        if (dropped) this.handlers.onDropped?.(dropped, "queue_full");
      }
      this.pump();
      return;
    }
    if (event.type === "reorg") {
      const orphaned = new Set(event.orphanedBlockRoots.map(toHex));
      for (let i = this.queue.length - 1; i >= 0; i--) {
        const ev = this.queue[i];
        if (ev && orphaned.has(toHex(ev.blockRoot))) {
          this.queue.splice(i, 1);
          this.handlers.onDropped?.(ev, "orphaned");
        }
      }
      for (const root of orphaned)
        this.inFlight.get(root)?.ctrl.abort(new Error("block orphaned by a reorg"));
    }
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Resolves when nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()].map((f) => f.done));
  }

  private pump(): void {
    while (this.inFlight.size < this.opts.maxInFlight) {
      const ev = this.queue.pop();
      if (!ev) return;
      const key = toHex(ev.blockRoot);
      const ctrl = new AbortController();
      const done = this.buildOne(ev, ctrl).finally(() => {
        this.inFlight.delete(key);
        this.pump();
      });
      this.inFlight.set(key, { ctrl, done });
    }
  }

  private async buildOne(ev: PayloadEvent, ctrl: AbortController): Promise<void> {
    try {
      const ready = await this.builder.build(ev, ctrl.signal);
      if (ctrl.signal.aborted) {
        this.handlers.onDropped?.(ev, "orphaned");
        return;
      }
      this.handlers.onReady(ready);
    } catch (e) {
      if (ctrl.signal.aborted) {
        this.handlers.onDropped?.(ev, "orphaned");
        return;
      }
      const err = e instanceof Error ? e : new Error(String(e));
      this.logger.warn(
        { slot: ev.slot, blockNumber: ev.blockNumber, err: errorMessage(e) },
        "StatelessInput failed",
      );
      this.handlers.onFailed?.(ev, err);
    }
  }
}
