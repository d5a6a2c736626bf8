// Log lines for people: what pino writes as JSON, rendered Lighthouse-style on one line —
// `Dec 03 06:38:01.123 INFO  block proved   slot=5 total_ms=1500 …` — with the level coloured on a
// colour terminal. Machines keep the JSON (--logFormat json, or a file via --logFile).
import type { Writable } from "node:stream";

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: "TRACE", color: "\x1b[90m" },
  20: { name: "DEBUG", color: "\x1b[36m" },
  30: { name: "INFO ", color: "\x1b[32m" },
  40: { name: "WARN ", color: "\x1b[33m" },
  50: { name: "ERROR", color: "\x1b[31m" },
  60: { name: "CRIT ", color: "\x1b[35m" },
};
const RESET = "\x1b[0m";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** Fields shown by the line's layout, not as key=value. */
const LAYOUT_KEYS = new Set(["level", "time", "msg", "name", "pid", "hostname"]);

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function timestamp(time: unknown): string {
  const d = typeof time === "string" || typeof time === "number" ? new Date(time) : new Date();
  if (Number.isNaN(d.getTime())) return String(time);
  return `${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

function value(v: unknown): string {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || v === null) return String(v);
  return JSON.stringify(v);
}

/** One JSON log line (as pino writes it) as one human line; text that is not JSON passes through. */
export function humanLine(json: string, color = false): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = LEVELS[typeof rec.level === "number" ? rec.level : 30] ?? {
    name: String(rec.level),
    color: "",
  };
  const name = color ? `${level.color}${level.name}${RESET}` : level.name;
  const fields = Object.entries(rec)
    .filter(([k]) => !LAYOUT_KEYS.has(k))
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(" ");
  const msg = typeof rec.msg === "string" ? rec.msg : "";
  return `${timestamp(rec.time)} ${name} ${msg.padEnd(28)}${fields ? ` ${fields}` : ""}`.trimEnd();
}

/** A destination for pino that writes each JSON line it gets to `out` as a human line. */
export function humanStream(
  out: Writable & { isTTY?: boolean },
  opts: { color?: boolean } = {},
): {
  write(chunk: string): boolean;
} {
  const color = opts.color ?? (out.isTTY === true && process.env.NO_COLOR === undefined);
  return {
    write(chunk: string): boolean {
      let text = "";
      for (const line of chunk.split("\n")) if (line !== "") text += `${humanLine(line, color)}\n`;
      return out.write(text);
    },
  };
}
