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

/** Strips user:password from a URL before it reaches a log line. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = "";
      u.password = "";
    }
    return u.toString().replace(/\/$/, "");
  } catch {
    return "<invalid url>";
  }
}
