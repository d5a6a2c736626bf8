// A Server-Sent Events parser following the WHATWG "event stream interpretation" rules: CR, LF and
// CRLF line ends (also split across chunks), multi-line data, comments/keep-alives, id and retry.
// Pure: feed it decoded text, it returns complete events; no I/O.

export interface SseEvent {
  /** Event type; "message" when the stream gave none. */
  event: string;
  data: string;
  /** Last event id seen so far on this stream (sticky, as the spec says). */
  id: string;
}

export interface SseFeedResult {
  events: SseEvent[];
  /** A valid `retry:` value seen in this chunk (ms), for the reconnect delay. */
  retryMs?: number;
  /** Comment lines (keep-alives) seen in this chunk. */
  comments: number;
}

export class SseParser {
  private buffer = "";
  private dataLines: string[] = [];
  private eventType = "";
  private lastId = "";
  private sawFirstChunk = false;
  /** The previous chunk ended in CR: a leading LF of the next chunk belongs to that line end. */
  private pendingCr = false;

  feed(chunk: string): SseFeedResult {
    const out: SseFeedResult = { events: [], comments: 0 };
    let text = chunk;
    if (!this.sawFirstChunk && text.length > 0) {
      this.sawFirstChunk = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.pendingCr && text.startsWith("\n")) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;

    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      const line = this.buffer.slice(start, i);
      if (c === 0x0d) {
        if (i + 1 < this.buffer.length) {
          if (this.buffer.charCodeAt(i + 1) === 0x0a) i++;
        } else {
          this.pendingCr = true;
        }
      }
      start = i + 1;
      this.processLine(line, out);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  /** Forget a half-received event (the connection dropped); the last id survives, as the spec says. */
  reset(): void {
    this.buffer = "";
    this.dataLines = [];
    this.eventType = "";
    this.pendingCr = false;
    this.sawFirstChunk = false;
  }

  get lastEventId(): string {
    return this.lastId;
  }

  private processLine(line: string, out: SseFeedResult): void {
    if (line === "") {
      this.dispatch(out);
      return;
    }
    if (line.startsWith(":")) {
      out.comments++;
      return;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.eventType = value;
        break;
      case "data":
        this.dataLines.push(value);
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value;
        break;
      case "retry":
        if (/^[0-9]+$/.test(value)) out.retryMs = Number(value);
        break;
      default:
        // Unknown fields are ignored by the spec.
        break;
    }
  }

  private dispatch(out: SseFeedResult): void {
    if (this.dataLines.length === 0) {
      this.eventType = "";
      return;
    }
    out.events.push({ event: this.eventType || "message", data: this.dataLines.join("\n"), id: this.lastId });
    this.dataLines = [];
    this.eventType = "";
  }
}
