// Structured logging (pino): JSON lines by default, secrets never passed in, URLs shown without credentials.
import { pino } from "pino";

export type Logger = pino.Logger;
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface LoggerOpts {
  level?: LogLevel;
  /** Where lines go; stderr keeps stdout free for command output. */
  destination?: NodeJS.WritableStream;
  name?: string;
}

export function createLogger(opts: LoggerOpts = {}): Logger {
  const dest = opts.destination ?? process.stderr;
  return pino(
    {
      level: opts.level ?? "info",
      name: opts.name ?? "eproof",
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ["*.password", "*.secret", "*.jwt", "*.token", "*.authorization"],
        censor: "[redacted]",
      },
    },
    dest as pino.DestinationStream,
  );
}

/** A logger that drops everything: for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

/** URLs in log lines: without credentials, path keys or query values (see ./url.ts). */
export { redactUrl } from "./url.ts";
