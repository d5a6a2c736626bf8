// Runs the real `eproof` binary in a child process, as a user would.
import { spawnSync } from "node:child_process";

const BIN = new URL("../../bin/eproof.js", import.meta.url).pathname;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runEproof(
  args: string[],
  opts: { input?: Uint8Array | string; env?: Record<string, string> } = {},
): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input: opts.input,
    env: { ...process.env, ...opts.env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
