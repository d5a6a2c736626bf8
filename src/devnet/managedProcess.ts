// One devnet child process: its own process group, stdout+stderr appended to a log file, and a stop that
// escalates SIGTERM → SIGKILL (Lodestar 1.5.1 sometimes hangs on shutdown). Orphans are also prevented
// from the child's side by devnet/childGuard.cjs, which exits when this parent disappears.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import type { Logger } from "../util/logger.ts";

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcessOpts {
  name: string;
  command: string;
  args: readonly string[];
  cwd: string;
  logPath: string;
  env?: NodeJS.ProcessEnv;
  logger: Logger;
}

export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcess;
  private readonly logger: Logger;
  private exit: ProcessExit | undefined;
  private stopping = false;
  private readonly killOnParentExit = (): void => this.signalGroup("SIGKILL");

  constructor(opts: ManagedProcessOpts) {
    this.name = opts.name;
    this.logPath = opts.logPath;
    this.logger = opts.logger;
    const logFd = openSync(opts.logPath, "a");
    try {
      this.child = spawn(opts.command, opts.args, {
        cwd: opts.cwd,
        // childGuard.cjs in the child watches this pid.
        env: { ...(opts.env ?? process.env), EPROOF_DEVNET_PARENT_PID: String(process.pid) },
        // Own process group: signals reach the node and anything it starts; Ctrl-C on our terminal does not.
        detached: true,
        stdio: ["ignore", logFd, logFd],
      });
    } finally {
      closeSync(logFd);
    }
    const pid = this.child.pid;
    if (pid === undefined) throw new Error(`could not start ${opts.name} (${opts.command})`);
    this.pid = pid;
    this.exited = new Promise<ProcessExit>((resolveExit) => {
      this.child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        process.removeListener("exit", this.killOnParentExit);
        if (!this.stopping) this.logger.error({ process: this.name, code, signal }, "devnet process exited");
        resolveExit(this.exit);
      });
    });
    this.child.once("error", (e) =>
      this.logger.error({ process: this.name, err: e.message }, "devnet process error"),
    );
    // A normal exit of the parent kills the group at once; a SIGKILLed parent is handled by childGuard.cjs.
    process.once("exit", this.killOnParentExit);
    this.logger.info({ process: this.name, pid, log: opts.logPath }, "devnet process started");
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the process has exited. Idempotent. */
  async stop(graceMs: number): Promise<ProcessExit> {
    if (this.exit !== undefined) {
      this.signalGroup("SIGKILL");
      return this.exit;
    }
    this.stopping = true;
    this.signalGroup("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((r) => {
      timer = setTimeout(() => r("timeout"), graceMs);
    });
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first === "timeout") {
      // Lodestar 1.5.1 and the EthereumJS client routinely outlive SIGTERM: normal, not worth a warning.
      this.logger.debug(
        { process: this.name, graceMs },
        "devnet process still running after SIGTERM; sending SIGKILL",
      );
    }
    // Also after a clean exit: anything left in the group goes too.
    this.signalGroup("SIGKILL");
    return this.exited;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}
