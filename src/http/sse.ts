// Server-Sent Events: named events with JSON data, and comment keep-alives (zkboost sends one
// every 15 s) so proxies and clients do not drop an idle stream.
import type { ServerResponse } from "node:http";

export interface SseStreamOpts {
  keepAliveMs: number;
}

export class SseStream {
  private readonly res: ServerResponse;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(res: ServerResponse, opts: SseStreamOpts) {
    this.res = res;
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.flushHeaders();
    this.timer = setInterval(() => this.comment("keep-alive"), opts.keepAliveMs);
    this.timer.unref();
    res.on("close", () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(event: string, data: unknown): void {
    if (this.closed) return;
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  comment(text: string): void {
    if (this.closed) return;
    this.res.write(`: ${text}\n\n`);
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (!this.res.writableEnded) this.res.end();
    for (const l of this.closeListeners.splice(0)) l();
  }
}
