// Resident memory of the devnet's node processes (Linux /proc), for the per-slot line and the bench.
import { readFile } from "node:fs/promises";
import type { DevnetProcess } from "./interface.ts";

export interface ProcessMemory {
  name: DevnetProcess["name"];
  pid: number;
  /** undefined when the process is gone or /proc is not available. */
  rssBytes: number | undefined;
}

/** VmRSS from /proc/<pid>/status, in bytes. */
export async function rssBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

export async function devnetMemory(processes: readonly DevnetProcess[]): Promise<ProcessMemory[]> {
  return Promise.all(
    processes.map(async (p) => ({ name: p.name, pid: p.pid, rssBytes: await rssBytes(p.pid) })),
  );
}
