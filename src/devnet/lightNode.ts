// `eproof devnet --light`: an `eproof light` node as its own process (as a user runs it), following the
// devnet's beacon node as an untrusted light-client server and the prover's gossip, verifying the CPU
// proof type by re-execution. Its config is written to its data dir; its heads arrive over its SSE stream.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { VerifiedExecutionHead } from "../light/interface.ts";
import { CPU_PROOF_TYPE_NAME } from "../spec/proofTypes.ts";
import { errorMessage } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import { locateDevnetTools } from "./devnetTools.ts";
import { ManagedProcess } from "./managedProcess.ts";
import { rssBytes } from "./processStats.ts";

const BIN = new URL("../../bin/eproof.js", import.meta.url).pathname;

export interface DevnetLightOpts {
  dataDir: string;
  beaconUrl: string;
  /** The execution client's JSON-RPC: the untrusted upstream of the light node's verified JSON-RPC. */
  rpcUrl: string;
  /** Geth-style chain config (genesis `config`) the CPU proof type re-executes with. */
  chainConfigFile: string;
  /** Trusted checkpoint: a block root the devnet took from its own beacon node. */
  checkpointRoot: string;
  /** Gossip peers (the prover's multiaddrs). */
  peers: readonly string[];
  apiPort: number;
  p2pPort: number;
  logger: Logger;
  logLevel?: string;
  pollIntervalMs?: number;
}

export interface DevnetLight {
  apiUrl: string;
  pid: number;
  configFile: string;
  logPath: string;
  checkpointRoot: string;
  /** When its API first answered (ms since epoch). */
  startedAt: number;
  /** The newest verified execution head seen on the SSE stream. */
  head(): VerifiedExecutionHead | undefined;
  /** Called with each new head and when it arrived (ms since epoch). */
  onHead(listener: (head: VerifiedExecutionHead, at: number) => void): void;
  /** Highest resident memory sampled so far (bytes). */
  peakRssBytes(): number;
  stop(): Promise<void>;
}

/** The light node's configuration for the devnet (a custom network; the devnet's CPU proof type). */
export function devnetLightConfig(o: DevnetLightOpts): Record<string, unknown> {
  return {
    network: "custom",
    dataDir: join(o.dataDir, "data"),
    logLevel: o.logLevel ?? "info",
    logFormat: "json",
    execution: { chainConfigFile: o.chainConfigFile },
    proving: { backends: [{ kind: "cpu" }] },
    p2p: {
      listen: [`/ip4/127.0.0.1/tcp/${o.p2pPort}`],
      discovery: false,
      staticPeers: [...o.peers],
      localProofTypes: [CPU_PROOF_TYPE_NAME],
    },
    light: {
      beaconUrl: o.beaconUrl,
      checkpointRoot: o.checkpointRoot,
      host: "127.0.0.1",
      port: o.apiPort,
      pollIntervalMs: o.pollIntervalMs ?? 250,
      allowedProofTypes: [CPU_PROOF_TYPE_NAME],
      rpcUpstream: o.rpcUrl,
    },
  };
}

export async function startDevnetLight(o: DevnetLightOpts, signal?: AbortSignal): Promise<DevnetLight> {
  mkdirSync(o.dataDir, { recursive: true });
  const configFile = join(o.dataDir, "eproof-light.yaml");
  writeFileSync(configFile, stringify(devnetLightConfig(o)));
  const logPath = join(o.dataDir, "light.log");
  const guard = locateDevnetTools()?.childGuardPreload;
  const proc = new ManagedProcess({
    name: "light",
    command: process.execPath,
    args: [...(guard ? ["--require", guard] : []), BIN, "light", "--config", configFile],
    cwd: o.dataDir,
    logPath,
    // The devnet runs the minimal preset; `eproof light` must load the same.
    env: { ...process.env, LODESTAR_PRESET: process.env.LODESTAR_PRESET ?? "minimal" },
    logger: o.logger,
  });
  const apiUrl = `http://127.0.0.1:${o.apiPort}`;
  const stopped = new AbortController();
  const abortAll = () => stopped.abort();
  signal?.addEventListener("abort", abortAll, { once: true });

  let peak = 0;
  const sample = async () => {
    const rss = await rssBytes(proc.pid);
    if (rss !== undefined && rss > peak) peak = rss;
  };
  const rssTimer = setInterval(() => void sample(), 500);

  const stop = async () => {
    clearInterval(rssTimer);
    stopped.abort();
    signal?.removeEventListener("abort", abortAll);
    await proc.stop(3000);
  };

  // Up once its API answers (503 until it has a head); it exits on a fatal start-up problem.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!proc.running || stopped.signal.aborted || Date.now() > deadline) {
      await stop();
      throw new Error(`eproof light did not start (log: ${logPath})`);
    }
    const r = await fetch(`${apiUrl}/eth/v1/eproof/light/head`).catch(() => undefined);
    if (r) {
      await r.arrayBuffer();
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const startedAt = Date.now();
  let latest: VerifiedExecutionHead | undefined;
  const listeners = new Set<(head: VerifiedExecutionHead, at: number) => void>();
  const follow = async () => {
    while (!stopped.signal.aborted) {
      try {
        const res = await fetch(`${apiUrl}/eth/v1/eproof/light/events`, { signal: stopped.signal });
        if (!res.body) throw new Error("no event stream");
        const decoder = new TextDecoder();
        let buf = "";
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          for (let end = buf.indexOf("\n\n"); end >= 0; end = buf.indexOf("\n\n")) {
            const event = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const data = /^data: (.*)$/m.exec(event)?.[1];
            if (!data || !/^event: head$/m.test(event)) continue;
            const head = JSON.parse(data) as VerifiedExecutionHead;
            if (latest && head.slot <= latest.slot) continue;
            latest = head;
            const at = Date.now();
            for (const l of listeners) l(head, at);
          }
        }
      } catch (e) {
        if (stopped.signal.aborted) return;
        o.logger.debug({ err: errorMessage(e) }, "light node event stream ended; reconnecting");
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  void follow();

  return {
    apiUrl,
    pid: proc.pid,
    configFile,
    logPath,
    checkpointRoot: o.checkpointRoot,
    startedAt,
    head: () => latest,
    onHead: (l) => {
      listeners.add(l);
    },
    peakRssBytes: () => peak,
    stop,
  };
}
