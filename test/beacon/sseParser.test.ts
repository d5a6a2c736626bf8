import { describe, expect, it } from "vitest";
import { SseParser } from "../../src/beacon/sseParser.ts";

describe("SseParser", () => {
  it("joins multi-line data with LF and defaults the event type", () => {
    const p = new SseParser();
    const out = p.feed("data: first\ndata: second\n\n");
    expect(out.events).toEqual([{ event: "message", data: "first\nsecond", id: "" }]);
  });

  it("counts comments (keep-alives) and never turns them into events", () => {
    const p = new SseParser();
    const out = p.feed(":\n: keep-alive\nevent: head\ndata: {}\n\n:\n");
    expect(out.comments).toBe(3);
    expect(out.events.map((e) => e.event)).toEqual(["head"]);
  });

  it("handles CRLF split across chunks and a half event across chunks", () => {
    const p = new SseParser();
    expect(p.feed("event: block\r").events).toEqual([]);
    expect(p.feed('\ndata: {"a":').events).toEqual([]);
    const out = p.feed("1}\r\n\r\n");
    expect(out.events).toEqual([{ event: "block", data: '{"a":1}', id: "" }]);
  });

  it("accepts bare CR line ends, strips one leading space only, and a field without colon", () => {
    const p = new SseParser();
    const out = p.feed("data:  two spaces\rdata\r\r");
    expect(out.events[0]?.data).toBe(" two spaces\n");
  });

  it("reads retry: only when it is all digits, and keeps the last id sticky", () => {
    const p = new SseParser();
    expect(p.feed("retry: 2500\n").retryMs).toBe(2500);
    expect(p.feed("retry: 25x\n").retryMs).toBeUndefined();
    const out = p.feed("id: 7\ndata: a\n\ndata: b\n\n");
    expect(out.events.map((e) => e.id)).toEqual(["7", "7"]);
  });

  it("drops an event with no data and strips a leading BOM", () => {
    const p = new SseParser();
    const out = p.feed("\uFEFFevent: head\n\nevent: x\ndata: y\n\n");
    expect(out.events).toEqual([{ event: "x", data: "y", id: "" }]);
  });

  it("forgets a half-received event on reset (dropped connection)", () => {
    const p = new SseParser();
    p.feed("event: head\ndata: partial");
    p.reset();
    const out = p.feed("data: fresh\n\n");
    expect(out.events).toEqual([{ event: "message", data: "fresh", id: "" }]);
  });
});
