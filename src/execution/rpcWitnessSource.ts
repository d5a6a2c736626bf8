// Execution witnesses from the EL's debug API: `debug_executionWitnessByBlockHash [hash]` (reth) first,
// else `debug_executionWitness [number]` (geth, reth); the working method is remembered. Chain config
// from `debug_chainConfig` or a geth-style JSON file (a genesis file's `config` works too).
import { readFile } from "node:fs/promises";
import { type ExecutionWitnessValue, witnessFromRpcJson } from "../spec/stateless.ts";
import type { GethChainConfig } from "../stateless/common.ts";
import type { Clock } from "../util/clock.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { toHex } from "../util/hex.ts";
import type {
  ChainConfigSource,
  ExecutionMetrics,
  FetchedWitness,
  WitnessMethod,
  WitnessRequest,
  WitnessSource,
} from "./interface.ts";
import { type JsonRpcClient, RpcError } from "./jsonRpcClient.ts";

export interface RpcWitnessSourceOpts {
  /** The EL may not have executed the block yet: retry an empty/unknown answer every retryMs up to waitMs. */
  retryMs: number;
  waitMs: number;
}

export const defaultRpcWitnessSourceOpts: RpcWitnessSourceOpts = { retryMs: 200, waitMs: 12_000 };

const BY_HASH = "debug_executionWitnessByBlockHash";
const BY_NUMBER = "debug_executionWitness";

/** The EL has neither witness method: the caller should use the eth_getProof fallback. */
export class WitnessMethodsMissingError extends EproofError {
  constructor(url: string) {
    super("UPSTREAM", `${url} offers neither ${BY_HASH} nor ${BY_NUMBER}`);
    this.name = "WitnessMethodsMissingError";
  }
}

export class RpcWitnessSource implements WitnessSource {
  private readonly rpc: JsonRpcClient;
  private readonly clock: Clock;
  private readonly opts: RpcWitnessSourceOpts;
  private readonly metrics?: Pick<ExecutionMetrics, "recordWitnessFetch">;
  private method: WitnessMethod | undefined;
  private readonly missing = new Set<WitnessMethod>();

  constructor(
    rpc: JsonRpcClient,
    modules: { clock: Clock; metrics?: Pick<ExecutionMetrics, "recordWitnessFetch"> },
    opts: Partial<RpcWitnessSourceOpts> = {},
  ) {
    this.rpc = rpc;
    this.clock = modules.clock;
    this.metrics = modules.metrics;
    this.opts = { ...defaultRpcWitnessSourceOpts, ...opts };
  }

  async fetchWitness(req: WitnessRequest, signal?: AbortSignal): Promise<FetchedWitness> {
    const t0 = this.clock.now();
    for (;;) {
      try {
        const { witness, method } = await this.tryOnce(req, signal);
        const ms = this.clock.now() - t0;
        this.metrics?.recordWitnessFetch(method, ms, true);
        return { witness, method, ms };
      } catch (e) {
        const retriable = e instanceof RpcError && !e.methodMissing;
        if (!retriable || this.clock.now() - t0 + this.opts.retryMs > this.opts.waitMs) {
          this.metrics?.recordWitnessFetch(this.method ?? BY_NUMBER, this.clock.now() - t0, false);
          throw e;
        }
        await this.clock.sleep(this.opts.retryMs, signal);
      }
    }
  }

  private async tryOnce(
    req: WitnessRequest,
    signal?: AbortSignal,
  ): Promise<{ witness: ExecutionWitnessValue; method: WitnessMethod }> {
    const order: WitnessMethod[] = this.method ? [this.method] : [BY_HASH, BY_NUMBER];
    for (const method of order) {
      if (this.missing.has(method)) continue;
      const param = method === BY_HASH ? toHex(req.blockHash) : `0x${req.blockNumber.toString(16)}`;
      let raw: unknown;
      try {
        raw = await this.rpc.call(method, [param], { signal });
      } catch (e) {
        if (e instanceof RpcError && e.methodMissing) {
          this.missing.add(method);
          continue;
        }
        throw e;
      }
      if (raw === null || raw === undefined)
        throw new RpcError(method, -32000, `no witness (yet) for block ${param}`);
      let witness: ExecutionWitnessValue;
      try {
        witness = witnessFromRpcJson(raw);
      } catch (e) {
        throw new EproofError("BAD_INPUT", `${method} returned a malformed witness: ${errorMessage(e)}`);
      }
      this.method = method;
      return { witness, method };
    }
    throw new WitnessMethodsMissingError(this.rpc.url);
  }
}

/** The flag that gives eproof the chain config when the execution client does not serve it. */
export const CHAIN_CONFIG_FLAG = "--execution.chainConfigFile";

/**
 * No chain config to re-execute blocks with: the EL does not serve debug_chainConfig (or served
 * something else), or the configured file is unreadable. The message says what to do.
 */
export class ChainConfigUnavailableError extends EproofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("BAD_CONFIG", message, options);
    this.name = "ChainConfigUnavailableError";
  }
}

function checkChainConfig(v: unknown, where: string): GethChainConfig {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new EproofError("BAD_CONFIG", `${where} is not a chain config object`);
  }
  const obj = v as Record<string, unknown>;
  // A genesis file: the chain config sits under "config".
  const cfg =
    "config" in obj && typeof obj.config === "object" && obj.config !== null
      ? (obj.config as Record<string, unknown>)
      : obj;
  const id = cfg.chainId;
  if (typeof id !== "number" && typeof id !== "string")
    throw new EproofError("BAD_CONFIG", `${where} has no chainId`);
  return cfg as GethChainConfig;
}

export class RpcChainConfigSource implements ChainConfigSource {
  private readonly rpc: JsonRpcClient;
  private cached?: GethChainConfig;
  constructor(rpc: JsonRpcClient) {
    this.rpc = rpc;
  }
  async chainConfig(signal?: AbortSignal): Promise<GethChainConfig> {
    if (this.cached) return this.cached;
    let raw: unknown;
    try {
      raw = await this.rpc.call("debug_chainConfig", [], { signal });
    } catch (e) {
      // Transport failures stay what they are (the EL is unreachable); an answered error means the EL
      // does not serve its chain config.
      if (!(e instanceof RpcError)) throw e;
      throw new ChainConfigUnavailableError(
        `chain config unavailable: ${e.message}; give it with ${CHAIN_CONFIG_FLAG} <genesis.json>`,
        { cause: e },
      );
    }
    try {
      this.cached = checkChainConfig(raw, "debug_chainConfig");
    } catch (e) {
      throw new ChainConfigUnavailableError(
        `chain config unavailable: ${errorMessage(e)}; give it with ${CHAIN_CONFIG_FLAG} <genesis.json>`,
        { cause: e },
      );
    }
    return this.cached;
  }
}

export class FileChainConfigSource implements ChainConfigSource {
  private readonly path: string;
  private cached?: GethChainConfig;
  constructor(path: string) {
    this.path = path;
  }
  async chainConfig(): Promise<GethChainConfig> {
    if (this.cached) return this.cached;
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (e) {
      throw new ChainConfigUnavailableError(
        `cannot read chain config ${this.path} (${CHAIN_CONFIG_FLAG}): ${errorMessage(e)}`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ChainConfigUnavailableError(`chain config ${this.path} (${CHAIN_CONFIG_FLAG}) is not JSON`);
    }
    try {
      this.cached = checkChainConfig(json, this.path);
    } catch (e) {
      throw new ChainConfigUnavailableError(`${errorMessage(e)} (${CHAIN_CONFIG_FLAG})`, { cause: e });
    }
    return this.cached;
  }
}

/**
 * The EL's own witness when it has the debug API; otherwise (once it said it has neither method) the
 * eth_getProof fallback, whose witnesses the StatelessInputBuilder re-executes before use.
 */
export class DebugThenProofWitnessSource implements WitnessSource {
  private readonly debug: WitnessSource;
  private readonly fallback: WitnessSource;
  private debugMissing = false;

  constructor(debug: WitnessSource, fallback: WitnessSource) {
    this.debug = debug;
    this.fallback = fallback;
  }

  async fetchWitness(req: WitnessRequest, signal?: AbortSignal): Promise<FetchedWitness> {
    if (!this.debugMissing) {
      try {
        return await this.debug.fetchWitness(req, signal);
      } catch (e) {
        if (!(e instanceof WitnessMethodsMissingError)) throw e;
        this.debugMissing = true;
      }
    }
    return this.fallback.fetchWitness(req, signal);
  }
}
