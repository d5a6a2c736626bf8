// The HTTP connection cap (issue 18, defect 9): 1,100 idle sockets against a server whose process may
// open 1,024 files must not make /health fail. Real sockets, real process with `ulimit -n 1024`.
import { type ChildProcess, spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { sendJson } from "../../src/http/respond.ts";
import { HttpServer } from "../../src/http/server.ts";
import { silentLogger } from "../../src/util/logger.ts";

const SERVER = new URL("./support/healthServer.ts", import.meta.url).pathname;
const sockets: Socket[] = [];
let child: ChildProcess | undefined;

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  child?.kill("SIGKILL");
  child = undefined;
});

/** Starts the server in a child shell limited to `fds` open files; resolves with its port. */
function startLimited(fds: number, maxConnections: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      "bash",
      ["-c", `ulimit -n ${fds} && exec "$0" "$1" "$2"`, process.execPath, SERVER, maxConnections],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    child = c;
    let out = "";
    c.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    c.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** Opens `n` TCP connections that never send a byte; resolves once each is connected or failed. */
async function openIdle(port: number, n: number): Promise<void> {
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve) => {
          const s = connect(port, "127.0.0.1");
          sockets.push(s);
          s.on("connect", () => resolve());
          s.on("error", () => resolve());
          s.on("close", () => resolve());
        }),
    ),
  );
}

async function health(port: number): Promise<number | string> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5000) });
    return res.status;
  } catch (e) {
    return e instanceof Error ? e.name : String(e);
  }
}

describe("HTTP connection cap", () => {
  it("answers /health with 1,100 idle sockets open against a 1,024-fd process (default cap 512)", async () => {
    const port = await startLimited(1024, "default");
    await openIdle(port, 1100);
    // Give the server time to accept (and close) what it will.
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 3; i++) expect(await health(port)).toBe(200);
  }, 60_000);

  it("closes the oldest idle connection, never a busy one, at the cap", async () => {
    const server = new HttpServer({ port: 0, maxConnections: 4 }, { logger: silentLogger() });
    let release: (() => void) | undefined;
    server.route("GET", "/slow", (_req, res) => {
      return new Promise<void>((resolve) => {
        release = () => {
          sendJson(res, 200, { ok: true });
          resolve();
        };
      });
    });
    server.route("GET", "/health", (_req, res) => sendJson(res, 200, { status: "ok" }));
    const { port } = await server.start();
    try {
      const slow = fetch(`http://127.0.0.1:${port}/slow`);
      while (!release) await new Promise((r) => setTimeout(r, 5));
      await openIdle(port, 10);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      expect(server.connectionStats().open).toBeLessThanOrEqual(4);
      expect(server.connectionStats().refused).toBeGreaterThan(0);
      release();
      expect((await slow).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
