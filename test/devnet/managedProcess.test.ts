// Child-process lifetime for the devnet: SIGTERM→SIGKILL escalation, and no orphans when the parent is
// SIGKILLed (devnet/childGuard.cjs in the child notices it was re-parented and kills its group).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ManagedProcess } from "../../src/devnet/managedProcess.ts";
import { silentLogger } from "../../src/util/logger.ts";

const childGuard = resolve(import.meta.dirname, "../../devnet/childGuard.cjs");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

describe("ManagedProcess", () => {
  it("kills a child that ignores SIGTERM after the grace period, and logs its output to a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eproof-mp-"));
    const p = new ManagedProcess({
      name: "stubborn",
      command: process.execPath,
      args: [
        "-e",
        "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1000);",
      ],
      cwd: dir,
      logPath: join(dir, "stubborn.log"),
      logger: silentLogger(),
    });
    expect(await until(() => readFileSync(p.logPath, "utf8").includes("up"), 10_000)).toBe(true);
    const exit = await p.stop(300);
    expect(exit.signal).toBe("SIGKILL");
    expect(alive(p.pid)).toBe(false);
    expect(readFileSync(p.logPath, "utf8")).toContain("ignoring SIGTERM");
  });

  it("stops a well-behaved child with SIGTERM alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eproof-mp-"));
    const p = new ManagedProcess({
      name: "polite",
      command: process.execPath,
      args: ["-e", "setInterval(() => {}, 1000);"],
      cwd: dir,
      logPath: join(dir, "polite.log"),
      logger: silentLogger(),
    });
    const exit = await p.stop(5_000);
    expect(exit.signal).toBe("SIGTERM");
    expect(p.running).toBe(false);
  });
});

describe("childGuard preload", () => {
  it("takes the child down when its parent is SIGKILLed", async () => {
    // parent → (detached) child with the guard; the parent prints the child's pid, then we SIGKILL the parent.
    const parentScript = `
      const { spawn } = require("node:child_process");
      const c = spawn(process.execPath, ["--require", ${JSON.stringify(childGuard)}, "-e", "setInterval(() => {}, 1000)"],
        { detached: true, stdio: "ignore", env: { ...process.env, EPROOF_DEVNET_PARENT_POLL_MS: "100", EPROOF_DEVNET_PARENT_PID: String(process.pid) } });
      console.log(c.pid);
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ["-e", parentScript], { stdio: ["ignore", "pipe", "inherit"] });
    const childPid = await new Promise<number>((res, rej) => {
      parent.stdout.once("data", (d: Buffer) => res(Number(d.toString().trim())));
      parent.once("exit", () => rej(new Error("parent exited early")));
    });
    expect(alive(childPid)).toBe(true);
    parent.kill("SIGKILL");
    expect(await until(() => !alive(childPid), 10_000)).toBe(true);
  });

  it("moves wildcard listens to loopback", async () => {
    const script = `
      const net = require("node:net");
      const s = net.createServer().listen(0, "0.0.0.0", () => { console.log(s.address().address); s.close(); });`;
    const out = await new Promise<string>((res) => {
      const c = spawn(process.execPath, ["--require", childGuard, "-e", script], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let text = "";
      c.stdout.on("data", (d: Buffer) => {
        text += d.toString();
      });
      c.once("exit", () => res(text.trim()));
    });
    expect(out).toBe("127.0.0.1");
  });
});
