// StatelessInput assembly: NewPayloadRequest + execution witness + chain config + transaction public keys
// → schema-prefixed SSZ, the bytes a prover's guest reads. Witnesses that did not come from the EL's own
// debug API (the eth_getProof fallback) are re-executed with the stateless engine before use.
import type { Common } from "@ethereumjs/common";
import type { PayloadEvent } from "../beacon/interface.ts";
import type { ForkedNewPayloadRequest } from "../spec/newPayloadRequest.ts";
import type { SpecProfile, StatelessRevisionName } from "../spec/profile.ts";
import {
  type ChainConfigValue,
  type ExecutionWitnessValue,
  encodeStatelessInput,
  executionNprFromGloas,
  SCHEMA_AMSTERDAM_R1,
  type StatelessNpr,
  schemaIdForFork,
  statelessNprRoot,
} from "../spec/stateless.ts";
import { commonFromGethConfig, type GethChainConfig } from "../stateless/common.ts";
import { validateStateless } from "../stateless/engine.ts";
import { recoverPublicKeys } from "../stateless/publicKeys.ts";
import type { Clock } from "../util/clock.ts";
import { EproofError, errorMessage, isEproofError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import type {
  ChainConfigSource,
  ExecutionMetrics,
  StatelessInputReady,
  WitnessMethod,
  WitnessSource,
} from "./interface.ts";
import { CHAIN_CONFIG_FLAG, ChainConfigUnavailableError } from "./rpcWitnessSource.ts";

/** `always`: every witness is re-executed; `fallback`: only those not from the EL's debug API. */
export type WitnessCheckMode = "always" | "fallback" | "never";

/**
 * The schema a fork's input is written with. Pre-Amsterdam forks use the CL-typed schemas of
 * spec/stateless.ts (Shanghai … Osaka); Gloas uses 0x1501 with the execution layer's NPR, in the body
 * revision the profile names (`statelessRevision`). Profiles whose guests read another schema
 * (0x1400) have no Gloas input.
 */
export function statelessSchemaFor(fork: ForkedNewPayloadRequest["fork"], profile: SpecProfile): number {
  if (fork === "gloas") {
    if (profile.statelessSchemaId !== SCHEMA_AMSTERDAM_R1) {
      throw new EproofError(
        "UNKNOWN_FORK",
        `profile ${profile.name} writes schema 0x${profile.statelessSchemaId.toString(16)}, which has no Gloas (Amsterdam) input; 0x1501 does`,
      );
    }
    return SCHEMA_AMSTERDAM_R1;
  }
  return schemaIdForFork(fork);
}

export interface AssembleArgs {
  npr: ForkedNewPayloadRequest;
  witness: ExecutionWitnessValue;
  /** A Common built once from the chain config (reused across blocks). */
  common: Common;
  schemaId: number;
  /** Keys recovered earlier (e.g. while the witness was in flight); recovered here when absent. */
  publicKeys?: Uint8Array[];
  /** Body revision of a 0x1501 input (the profile's `statelessRevision`); default "v0.8.4". */
  revision?: StatelessRevisionName;
}

export interface AssembledInput {
  bytes: Uint8Array;
  /** The root the guest commits to: the CL NPR root before Amsterdam, the execution-layer one after. */
  root: Uint8Array;
  publicKeys: Uint8Array[];
}

/** Whether inputs of this schema/revision carry transaction public keys (v21.0.1 dropped them). */
export function carriesPublicKeys(schemaId: number, revision: StatelessRevisionName | undefined): boolean {
  return !(schemaId === SCHEMA_AMSTERDAM_R1 && revision === "v21.0.1");
}

/**
 * Pure assembly (no I/O): keys recovered from the payload's transactions, then encoded. For 0x1501 the
 * Gloas consensus NPR is converted to the execution layer's, which is both what the input carries and
 * whose root is returned.
 */
export function assembleStatelessInput(args: AssembleArgs): AssembledInput {
  const chainConfig: ChainConfigValue = { chainId: Number(args.common.chainId()) };
  let npr: StatelessNpr;
  let revision: StatelessRevisionName | undefined;
  if (args.schemaId === SCHEMA_AMSTERDAM_R1) {
    if (args.npr.fork !== "gloas") {
      throw new EproofError(
        "UNKNOWN_FORK",
        `schema 0x1501 carries an Amsterdam (Gloas) NPR, not a ${args.npr.fork} one`,
      );
    }
    revision = args.revision ?? "v0.8.4";
    npr = { schema: "amsterdam-r1", value: executionNprFromGloas(args.npr) };
    if (revision === "amsterdam-2026-08") {
      // That revision's ChainConfig names the active fork's activation.
      const ts = args.common.hardforkTimestamp("amsterdam");
      if (ts !== null && ts !== undefined) chainConfig.activation = { timestamp: Number(ts) };
    }
  } else {
    npr = { schema: "cl", npr: args.npr };
  }
  const publicKeys = carriesPublicKeys(args.schemaId, revision)
    ? (args.publicKeys ?? recoverPublicKeys(args.npr, args.common))
    : [];
  const bytes = encodeStatelessInput(
    { newPayloadRequest: npr, witness: args.witness, chainConfig, publicKeys },
    args.schemaId,
    revision,
  );
  return { bytes, root: statelessNprRoot(npr), publicKeys };
}

/** Re-executes the payload on the witness alone; a witness that does not carry the block is BAD_INPUT. */
export async function checkWitness(
  npr: ForkedNewPayloadRequest,
  witness: ExecutionWitnessValue,
  common: Common,
  publicKeys?: Uint8Array[],
): Promise<void> {
  const outcome = await validateStateless({ npr, witness, chainConfig: common, publicKeys });
  if (!outcome.valid) {
    throw new EproofError(
      "BAD_INPUT",
      `witness does not validate block ${npr.value.executionPayload.blockNumber}: ${outcome.reason ?? "invalid"}`,
    );
  }
}

export interface StatelessInputBuilderOpts {
  profile: SpecProfile;
  witnessCheck: WitnessCheckMode;
}

export interface StatelessInputBuilderModules {
  witnessSource: WitnessSource;
  chainConfigSource: ChainConfigSource;
  clock: Clock;
  logger: Logger;
  metrics?: ExecutionMetrics;
}

// Witnesses the EL produced itself (its debug API, or with the payload through the Engine API) are
// trusted as the EL's own; rebuilt ones (eth_getProof) are re-executed first.
const DEBUG_METHODS: readonly WitnessMethod[] = [
  "debug_executionWitnessByBlockHash",
  "debug_executionWitness",
  "engine_newPayloadWithWitnessV5",
];

/** Turns payload events into StatelessInputs: witness fetch, optional check, assembly. */
export class StatelessInputBuilder {
  private readonly opts: StatelessInputBuilderOpts;
  private readonly m: StatelessInputBuilderModules;
  private common?: { config: GethChainConfig; common: Common };

  constructor(opts: StatelessInputBuilderOpts, modules: StatelessInputBuilderModules) {
    this.opts = opts;
    this.m = modules;
  }

  private async getCommon(signal?: AbortSignal): Promise<Common> {
    const config = await this.m.chainConfigSource.chainConfig(signal);
    if (this.common?.config !== config) {
      let common: Common;
      try {
        common = commonFromGethConfig(config);
      } catch (e) {
        if (isEproofError(e) && e.code === "BAD_CONFIG")
          throw new ChainConfigUnavailableError(
            `the chain config is not usable: ${e.message}; give one with ${CHAIN_CONFIG_FLAG} <genesis.json>`,
            { cause: e },
          );
        throw e;
      }
      this.common = { config, common };
    }
    return this.common.common;
  }

  async build(event: PayloadEvent, signal?: AbortSignal): Promise<StatelessInputReady> {
    const schemaId = statelessSchemaFor(event.npr.fork, this.opts.profile);
    const common = await this.getCommon(signal);
    const witnessInFlight = this.m.witnessSource.fetchWitness(
      { blockHash: event.blockHash, blockNumber: event.blockNumber, npr: event.npr },
      signal,
    );
    // Signature recovery is the CPU-heavy part: do it while the EL is answering (when the input has keys).
    const revision = this.opts.profile.statelessRevision;
    let publicKeys: Uint8Array[] = [];
    try {
      if (carriesPublicKeys(schemaId, revision)) publicKeys = recoverPublicKeys(event.npr, common);
    } catch (e) {
      witnessInFlight.catch(() => undefined);
      throw e;
    }
    const fetched = await witnessInFlight;
    const t0 = this.m.clock.now();
    const assembled = assembleStatelessInput({
      npr: event.npr,
      witness: fetched.witness,
      common,
      schemaId,
      publicKeys,
      revision,
    });
    const mustCheck =
      this.opts.witnessCheck === "always" ||
      (this.opts.witnessCheck === "fallback" &&
        !DEBUG_METHODS.includes(fetched.method) &&
        fetched.engineChecked !== true);
    if (mustCheck) {
      try {
        await checkWitness(event.npr, fetched.witness, common, assembled.publicKeys);
      } catch (e) {
        this.m.metrics?.recordWitnessRejected(fetched.method);
        this.m.logger.warn(
          { slot: event.slot, blockNumber: event.blockNumber, method: fetched.method, err: errorMessage(e) },
          "execution witness rejected",
        );
        throw e;
      }
    }
    const ms = this.m.clock.now() - t0;
    this.m.metrics?.recordInputBuilt(ms, assembled.bytes.length);
    return {
      bytes: assembled.bytes,
      schemaId,
      root: assembled.root,
      event,
      witnessMethod: fetched.method,
      sinceSeenMs: this.m.clock.now() - event.seenAt,
    };
  }
}
