// Starts the real local devnet: genesis + JWT in a data dir, the EthereumJS client, then `lodestar dev` with
// its interop validators, and waits until both are healthy and execution blocks are being produced.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EproofError, errorMessage } from "../util/errors.ts";
import { type Logger, redactUrl } from "../util/logger.ts";
import { startBeaconNode } from "./beaconNode.ts";
import { devAccount, devAccounts } from "./devAccounts.ts";
import { requireDevnetTools } from "./devnetTools.ts";
import { startExecutionClient } from "./executionClient.ts";
import { buildGethGenesis, DEVNET_CHAIN_ID } from "./genesis.ts";
import type { Devnet, DevnetOpts, ExecutionEndpoints } from "./interface.ts";
import { jsonRpcCall } from "./jsonRpc.ts";
import type { ManagedProcess } from "./managedProcess.ts";
import { type DevnetPorts, freeDevnetPorts, portsFromBase } from "./ports.ts";

export const DEVNET_DEFAULTS = {
  secondsPerSlot: 2,
  validators: 8,
  accounts: 8,
  startTimeoutMs: 180_000,
  stopGraceMs: 3_000,
  genesisDelaySeconds: 8,
} as const;

/** Lodestar dev runs the minimal preset: 8 slots per epoch. */
const SLOTS_PER_EPOCH_MINIMAL = 8;
const MAX_BEACON_ATTEMPTS = 3;

/** Index of the dev account that receives priority fees (kept apart from the generator's senders). */
const FEE_RECIPIENT_ACCOUNT = 1000;

interface Waiter {
  signal?: AbortSignal;
  deadline: number;
  processes: readonly ManagedProcess[];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns a value; fails fast if a node died or the caller aborted. */
async function waitFor<T>(what: string, w: Waiter, probe: () => Promise<T | undefined>): Promise<T> {
  let lastError = "";
  for (;;) {
    if (w.signal?.aborted)
      throw new EproofError("INTERNAL", `devnet start aborted while waiting for ${what}`);
    const dead = w.processes.find((p) => !p.running);
    if (dead !== undefined) {
      throw new EproofError(
        "UPSTREAM",
        `devnet ${dead.name} node exited while waiting for ${what}; see ${dead.logPath}`,
      );
    }
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = errorMessage(e);
    }
    if (Date.now() > w.deadline) {
      throw new EproofError(
        "TIMEOUT",
        `devnet: timed out waiting for ${what}${lastError ? ` (${lastError})` : ""}`,
      );
    }
    await sleep(250);
  }
}

async function beaconHeadSlot(beaconUrl: string): Promise<number> {
  const res = await fetch(`${beaconUrl}/eth/v1/beacon/headers/head`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`beacon headers: HTTP ${res.status}`);
  const body = (await res.json()) as { data?: { header?: { message?: { slot?: string } } } };
  const slot = Number(body.data?.header?.message?.slot);
  if (!Number.isInteger(slot)) throw new Error("beacon headers: no slot");
  return slot;
}

async function stopAll(processes: readonly ManagedProcess[], graceMs: number): Promise<void> {
  // In parallel: both nodes take seconds to shut down (or never do), so stop time is one grace period.
  await Promise.all(processes.map((p) => p.stop(graceMs)));
}

export async function startDevnet(opts: DevnetOpts): Promise<Devnet> {
  const { logger, signal } = opts;
  const tools = requireDevnetTools();
  const secondsPerSlot = opts.secondsPerSlot ?? DEVNET_DEFAULTS.secondsPerSlot;
  const validators = opts.validators ?? DEVNET_DEFAULTS.validators;
  const stopGraceMs = opts.stopGraceMs ?? DEVNET_DEFAULTS.stopGraceMs;
  const genesisDelaySeconds = opts.genesisDelaySeconds ?? DEVNET_DEFAULTS.genesisDelaySeconds;
  const startedAt = Date.now();
  const deadline = startedAt + (opts.startTimeoutMs ?? DEVNET_DEFAULTS.startTimeoutMs);

  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "eproof-devnet-"));
  // A devnet always starts from a fresh genesis: old node databases would not match it.
  const elDir = join(dataDir, "execution");
  const clDir = join(dataDir, "beacon");
  const logDir = join(dataDir, "logs");
  for (const d of [elDir, clDir]) rmSync(d, { recursive: true, force: true });
  for (const d of [elDir, clDir, logDir]) mkdirSync(d, { recursive: true });

  const ports: DevnetPorts =
    opts.basePort !== undefined ? portsFromBase(opts.basePort) : await freeDevnetPorts();
  const accounts = devAccounts(opts.accounts ?? DEVNET_DEFAULTS.accounts);
  // The EL genesis is never later than the beacon genesis, so every payload's timestamp comes after it.
  const genesisTime = Math.floor(Date.now() / 1000);
  const genesis = buildGethGenesis({
    chainId: DEVNET_CHAIN_ID,
    timestamp: genesisTime,
    accounts: accounts.map((a) => a.address),
  });
  const genesisPath = join(dataDir, "genesis.json");
  writeFileSync(genesisPath, `${JSON.stringify(genesis, null, 2)}\n`);
  const jwtSecretHex = `0x${randomBytes(32).toString("hex")}`;
  const jwtSecretPath = join(dataDir, "jwtsecret.hex");
  writeFileSync(jwtSecretPath, jwtSecretHex, { mode: 0o600 });

  const processes: ManagedProcess[] = [];
  const waiter: Waiter = { signal, deadline, processes };
  const el: ExecutionEndpoints = {
    rpcUrl: `http://127.0.0.1:${ports.elRpc}`,
    engineUrl: `http://127.0.0.1:${ports.elEngine}`,
    jwtSecretHex,
    jwtSecretPath,
  };

  try {
    processes.push(
      startExecutionClient(
        tools,
        {
          genesisPath,
          dataDir: elDir,
          jwtSecretPath,
          rpcPort: ports.elRpc,
          enginePort: ports.elEngine,
          p2pPort: ports.elP2p,
        },
        logDir,
        logger,
      ),
    );
    const genesisHash = await waitFor("the execution client's JSON-RPC", waiter, async () => {
      const block = (await jsonRpcCall(el.rpcUrl, "eth_getBlockByNumber", ["0x0", false], 2_000)) as {
        hash?: string;
      } | null;
      return block?.hash;
    });
    logger.info(
      { rpc: el.rpcUrl, engine: el.engineUrl, genesisHash, ms: Date.now() - startedAt },
      "execution client up",
    );

    const beaconExecutionUrl =
      typeof opts.executionUrl === "function"
        ? await opts.executionUrl(el)
        : (opts.executionUrl ?? el.engineUrl);
    const beaconUrl = `http://127.0.0.1:${ports.clRest}`;
    const beaconArgs = {
      dataDir: clDir,
      validators,
      genesisTime,
      genesisEth1Hash: genesisHash,
      executionUrl: beaconExecutionUrl,
      jwtSecretPath,
      secondsPerSlot,
      restPort: ports.clRest,
      p2pPort: ports.clP2p,
      feeRecipient: devAccount(FEE_RECIPIENT_ACCOUNT).address,
    };
    let firstBlock: bigint | undefined;
    let delaySeconds = genesisDelaySeconds;
    for (let attempt = 1; firstBlock === undefined; attempt++) {
      // Lodestar only calls itself synced (and lets its validators propose) while its head is at most one
      // epoch (8 slots) behind the clock, so beacon genesis is set a little after the node is started; a
      // start slower than that (a loaded machine) is retried with a genesis as late as that start took.
      beaconArgs.genesisTime = Math.max(genesisTime, Math.ceil(Date.now() / 1000) + delaySeconds);
      const launchedAt = Date.now();
      let bootSeconds: number | undefined;
      const beacon = startBeaconNode(tools, beaconArgs, logDir, logger);
      processes.push(beacon);
      try {
        await waitFor("the beacon node's REST API", waiter, async () => {
          const res = await fetch(`${beaconUrl}/eth/v1/node/health`, { signal: AbortSignal.timeout(2_000) });
          return res.status === 200 || res.status === 206 ? true : undefined;
        });
        bootSeconds = Math.ceil((Date.now() - launchedAt) / 1000);
        logger.info(
          {
            beacon: beaconUrl,
            execution: redactUrl(beaconExecutionUrl),
            ms: Date.now() - startedAt,
            bootSeconds,
          },
          "beacon node up",
        );
        const blockDeadline =
          Math.max(Date.now(), beaconArgs.genesisTime * 1000) +
          (SLOTS_PER_EPOCH_MINIMAL + 2) * secondsPerSlot * 1000;
        firstBlock = await waitFor(
          "the first execution block",
          { ...waiter, deadline: Math.min(deadline, blockDeadline) },
          async () => {
            const n = BigInt(String(await jsonRpcCall(el.rpcUrl, "eth_blockNumber", [], 2_000)));
            return n >= 1n ? n : undefined;
          },
        );
      } catch (e) {
        const retryable = e instanceof EproofError && e.code === "TIMEOUT" && Date.now() < deadline;
        if (!retryable || attempt >= MAX_BEACON_ATTEMPTS) throw e;
        // The next genesis leaves at least as long as this boot took.
        delaySeconds = Math.max(delaySeconds * 2, (bootSeconds ?? 0) + 4);
        logger.warn(
          { attempt, err: errorMessage(e), delaySeconds },
          "beacon node was not proposing; retrying with a later genesis",
        );
        await beacon.stop(stopGraceMs);
        processes.pop();
        rmSync(clDir, { recursive: true, force: true });
        mkdirSync(clDir, { recursive: true });
      }
    }
    const timeToFirstBlockMs = Date.now() - startedAt;
    logger.info({ block: Number(firstBlock), ms: timeToFirstBlockMs, dataDir }, "devnet producing blocks");

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= stopAll(processes, stopGraceMs).then(() => logger.info({ dataDir }, "devnet stopped"));
      return stopping;
    };
    signal?.addEventListener("abort", () => void stop(), { once: true });

    const finished = watchUntilSlot(
      opts.slots,
      beaconUrl,
      secondsPerSlot,
      processes,
      () => stopping !== undefined,
      logger,
    );
    // A caller that never awaits `finished` must not see an unhandled rejection.
    finished.catch(() => undefined);

    return {
      ...el,
      beaconUrl,
      elRpcUrl: el.rpcUrl,
      elEngineUrl: el.engineUrl,
      beaconExecutionUrl,
      dataDir,
      genesis,
      genesisHash,
      chainConfig: genesis.config,
      chainId: DEVNET_CHAIN_ID,
      secondsPerSlot,
      genesisTime: beaconArgs.genesisTime,
      accounts,
      processes: processes.map((p) => ({
        name: p.name === "beacon" ? "beacon" : "execution",
        pid: p.pid,
        logPath: p.logPath,
      })),
      timeToFirstBlockMs,
      finished,
      stop,
    };
  } catch (e) {
    await stopAll(processes, stopGraceMs);
    throw e;
  }
}

/** A single Lodestar node stops proposing for good after an epoch of missed slots (it thinks it is syncing). */
const STALL_SLOTS = SLOTS_PER_EPOCH_MINIMAL;

/**
 * Resolves when the beacon head reaches `slots` (never when unset); rejects when a node dies or the chain
 * stalls (no new head for an epoch) — a devnet in either state never recovers by itself.
 */
async function watchUntilSlot(
  slots: number | undefined,
  beaconUrl: string,
  secondsPerSlot: number,
  processes: readonly ManagedProcess[],
  isStopping: () => boolean,
  logger: Logger,
): Promise<void> {
  let lastHead = -1;
  let lastHeadAt = Date.now();
  for (;;) {
    if (isStopping()) return;
    const dead = processes.find((p) => !p.running);
    if (dead !== undefined) {
      if (isStopping()) return;
      throw new EproofError("UPSTREAM", `devnet ${dead.name} node exited; see ${dead.logPath}`);
    }
    try {
      const head = await beaconHeadSlot(beaconUrl);
      if (slots !== undefined && head >= slots) return;
      if (head > lastHead) {
        lastHead = head;
        lastHeadAt = Date.now();
      }
    } catch {
      // The next poll tells; a dead node is caught above.
    }
    if (Date.now() - lastHeadAt > STALL_SLOTS * secondsPerSlot * 1000 && !isStopping()) {
      const beaconLog = processes.find((p) => p.name === "beacon")?.logPath;
      logger.error({ headSlot: lastHead, beaconLog }, "devnet stalled: no new beacon block for an epoch");
      throw new EproofError(
        "TIMEOUT",
        `devnet stalled at slot ${lastHead}: no new block for ${STALL_SLOTS} slots (machine overloaded?); see ${beaconLog}`,
      );
    }
    await sleep((secondsPerSlot * 1000) / 2);
  }
}
