// Structured logging (pino): JSON lines by default, human lines on request (or on a terminal with
// format auto), optionally also JSON lines to a file; secrets never passed in, URLs shown without
// credentials.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Writable } from "node:stream";
import { pino } from "pino";
import { humanStream } from "./humanLog.ts";

export type Logger = pino.Logger;
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export type LogFormat = "human" | "json" | "auto";

export interface LoggerOpts {
  level?: LogLevel;
  /** Where lines go; stderr keeps stdout free for command output. */
  destination?: NodeJS.WritableStream;
  name?: string;
  /** human (one readable line), json (one JSON object per line) or auto: human on a terminal. */
  format?: LogFormat;
  /** Also append JSON lines to this file (for log shippers), whatever the terminal format. */
  file?: string;
}

export function createLogger(opts: LoggerOpts = {}): Logger {
  const dest = (opts.destination ?? process.stderr) as NodeJS.WritableStream & { isTTY?: boolean };
  const format = opts.format ?? "json";
  const human = format === "human" || (format === "auto" && dest.isTTY === true);
  const terminal = human ? humanStream(dest as Writable & { isTTY?: boolean }) : dest;
  const level = opts.level ?? "info";
  // The logger filters by level; each stream takes everything it is given.
  const streams: pino.StreamEntry[] = [{ level: "trace", stream: terminal as pino.DestinationStream }];
  if (opts.file) {
    mkdirSync(dirname(resolve(opts.file)), { recursive: true });
    streams.push({ level: "trace", stream: pino.destination({ dest: opts.file, append: true, sync: true }) });
  }
  return pino(
    {
      level,
      name: opts.name ?? "eproof",
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ["*.password", "*.secret", "*.jwt", "*.token", "*.authorization"],
        censor: "[redacted]",
      },
    },
    streams.length === 1
      ? (streams[0]?.stream ?? (dest as pino.DestinationStream))
      : pino.multistream(streams),
  );
}

/** A logger that drops everything: for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

/** URLs in log lines: without credentials, path keys or query values (see ./url.ts). */
export { redactUrl } from "./url.ts";
