// Beacon API client over undici: genesis, spec, fork schedule, headers, finality, blocks (SSZ first,
// JSON fallback), a per-epoch validator cache for gossip validation, and the submission of our signed
// execution proof envelopes (POST /eth/v1/beacon/execution_proofs, eth-act Lighthouse's EIP-8025 API).
import { request } from "undici";
import { z } from "zod";
import {
  type ProofContainers,
  proofContainers,
  type SignedExecutionProof,
  type SszCodec,
} from "../spec/containers.ts";
import { MAX_EXECUTION_PROOFS_PER_PAYLOAD } from "../spec/profile.ts";
import type { Clock } from "../util/clock.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { fromHex } from "../util/hex.ts";
import { redactUrl } from "../util/logger.ts";
import { joinUrl } from "../util/url.ts";
import { blockRootOf, type DecodedBlock, decodeSignedBlockJson, decodeSignedBlockSsz } from "./blockToNpr.ts";
import { startDeadline } from "./deadline.ts";
import type {
  BeaconClient,
  BlockHeaderInfo,
  FetchedBlock,
  FinalityCheckpoints,
  ForkScheduleEntry,
  Genesis,
  ValidatorInfo,
  ValidatorStatus,
} from "./interface.ts";
import { classifyFetchError, malformed, UpstreamError } from "./upstreamError.ts";

export interface HttpBeaconClientOpts {
  baseUrl: string;
  requestTimeoutMs: number;
  /** Bounded validator cache (entries). */
  maxCachedValidators: number;
}

export const defaultHttpBeaconClientOpts: Omit<HttpBeaconClientOpts, "baseUrl"> = {
  requestTimeoutMs: 10_000,
  maxCachedValidators: 100_000,
};

const hexStr = z.string().regex(/^0x([0-9a-fA-F]{2})*$/);
const uintStr = z.string().regex(/^[0-9]+$/);

const genesisSchema = z.object({
  data: z.object({ genesis_time: uintStr, genesis_validators_root: hexStr, genesis_fork_version: hexStr }),
});
const specSchema = z.object({ data: z.record(z.string(), z.unknown()) });
const forkScheduleSchema = z.object({
  data: z.array(z.object({ previous_version: hexStr, current_version: hexStr, epoch: uintStr })),
});
const headerSchema = z.object({
  data: z.object({
    root: hexStr,
    canonical: z.boolean().optional(),
    header: z.object({ message: z.object({ slot: uintStr, parent_root: hexStr }) }),
  }),
});
const checkpointSchema = z.object({ epoch: uintStr, root: hexStr });
const finalitySchema = z.object({
  data: z.object({
    previous_justified: checkpointSchema,
    current_justified: checkpointSchema,
    finalized: checkpointSchema,
  }),
});
const blockJsonSchema = z.object({ version: z.string(), data: z.unknown() });
const VALIDATOR_STATUSES = [
  "pending_initialized",
  "pending_queued",
  "active_ongoing",
  "active_exiting",
  "active_slashed",
  "exited_unslashed",
  "exited_slashed",
  "withdrawal_possible",
  "withdrawal_done",
] as const satisfies readonly ValidatorStatus[];
const validatorsSchema = z.object({
  data: z.array(
    z.object({
      index: uintStr,
      status: z.enum(VALIDATOR_STATUSES),
      validator: z.object({ pubkey: hexStr }),
    }),
  ),
});

/** The beacon API's error body; an indexed 400 lists which envelopes failed and why. */
const indexedErrorSchema = z.object({
  code: z.number().optional(),
  message: z.string().optional(),
  failures: z.array(z.object({ index: z.union([z.number(), z.string()]), message: z.string() })).optional(),
});

export const EXECUTION_PROOFS_PATH = "/eth/v1/beacon/execution_proofs";
/** How much of an error body is read and quoted (a hostile node cannot make us buffer more). */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The beacon node refused a submission: `failures` name the envelopes (by index) and its reasons. */
export class ExecutionProofSubmitError extends UpstreamError {
  readonly failures: { index: number; message: string }[];
  constructor(message: string, status: number, failures: { index: number; message: string }[]) {
    super("beacon", "http_status", message, { status });
    this.name = "ExecutionProofSubmitError";
    this.failures = failures;
  }
}

interface RawResponse {
  status: number;
  contentType: string;
  consensusVersion?: string;
  body: Uint8Array;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class HttpBeaconClient implements BeaconClient {
  private readonly opts: HttpBeaconClientOpts;
  private readonly clock: Clock;
  private readonly base: string;
  private genesisCache?: Genesis;
  private slotTiming?: { secondsPerSlot: number; slotsPerEpoch: number };
  private readonly validators = new Map<number, { info: ValidatorInfo; epoch: number }>();

  private readonly containers: ProofContainers;

  constructor(
    opts: Partial<HttpBeaconClientOpts> & { baseUrl: string },
    /** `containers`: the profile whose envelopes submitExecutionProofs encodes (default: the default profile). */
    modules: { clock: Clock; containers?: ProofContainers },
  ) {
    this.opts = { ...defaultHttpBeaconClientOpts, ...opts };
    this.base = this.opts.baseUrl.replace(/\/+$/, "");
    this.clock = modules.clock;
    this.containers = modules.containers ?? proofContainers();
  }

  get url(): string {
    return redactUrl(this.base);
  }

  /** An API path on the configured base, which may carry a path and a query (an API key). */
  private urlOf(path: string): string {
    try {
      return joinUrl(this.base, path);
    } catch {
      throw new EproofError("BAD_CONFIG", `beacon URL is not a valid URL: ${redactUrl(this.base)}`);
    }
  }

  private async get(path: string, accept: string, signal?: AbortSignal): Promise<RawResponse> {
    const url = this.urlOf(path);
    const deadline = startDeadline(this.clock, this.opts.requestTimeoutMs, signal);
    try {
      const res = await request(url, { method: "GET", headers: { accept }, signal: deadline.signal });
      const body = new Uint8Array(await res.body.arrayBuffer());
      return {
        status: res.statusCode,
        contentType: header(res.headers, "content-type") ?? "",
        consensusVersion: header(res.headers, "eth-consensus-version"),
        body,
      };
    } catch (e) {
      throw classifyFetchError("beacon", url, e, deadline.timedOut());
    } finally {
      deadline.clear();
    }
  }

  private async getJson<T>(path: string, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T | undefined> {
    const res = await this.get(path, "application/json", signal);
    if (res.status === 404) return undefined;
    return this.parseJson(path, res, schema);
  }

  private parseJson<T>(path: string, res: RawResponse, schema: z.ZodType<T>): T {
    const url = this.urlOf(path);
    if (res.status !== 200) {
      const text = Buffer.from(res.body).toString("utf8").slice(0, 200);
      throw new UpstreamError(
        "beacon",
        "http_status",
        `beacon ${redactUrl(url)} answered HTTP ${res.status}: ${text}`,
        {
          status: res.status,
        },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(res.body).toString("utf8"));
    } catch {
      throw malformed("beacon", url, "a body that is not JSON");
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      throw malformed("beacon", url, `unexpected JSON (${result.error.issues[0]?.message ?? "invalid"})`);
    }
    return result.data;
  }

  private async mustJson<T>(path: string, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
    const v = await this.getJson(path, schema, signal);
    if (v === undefined) {
      throw new UpstreamError("beacon", "http_status", `beacon ${this.url}${path} answered HTTP 404`, {
        status: 404,
      });
    }
    return v;
  }

  async getGenesis(signal?: AbortSignal): Promise<Genesis> {
    if (this.genesisCache) return this.genesisCache;
    const { data } = await this.mustJson("/eth/v1/beacon/genesis", genesisSchema, signal);
    this.genesisCache = {
      genesisTime: Number(data.genesis_time),
      genesisValidatorsRoot: fromHex(data.genesis_validators_root, "genesis_validators_root"),
      genesisForkVersion: fromHex(data.genesis_fork_version, "genesis_fork_version"),
    };
    return this.genesisCache;
  }

  async getSpec(signal?: AbortSignal): Promise<Record<string, string>> {
    const { data } = await this.mustJson("/eth/v1/config/spec", specSchema, signal);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) out[k] = typeof v === "string" ? v : JSON.stringify(v);
    return out;
  }

  async getForkSchedule(signal?: AbortSignal): Promise<ForkScheduleEntry[]> {
    const { data } = await this.mustJson("/eth/v1/config/fork_schedule", forkScheduleSchema, signal);
    return data.map((f) => ({
      previousVersion: fromHex(f.previous_version, "previous_version"),
      currentVersion: fromHex(f.current_version, "current_version"),
      epoch: Number(f.epoch),
    }));
  }

  async getHeader(blockId: string | number, signal?: AbortSignal): Promise<BlockHeaderInfo | undefined> {
    const res = await this.getJson(`/eth/v1/beacon/headers/${blockId}`, headerSchema, signal);
    if (!res) return undefined;
    return {
      root: fromHex(res.data.root, "header root"),
      slot: Number(res.data.header.message.slot),
      parentRoot: fromHex(res.data.header.message.parent_root, "parent_root"),
      canonical: res.data.canonical ?? true,
    };
  }

  async getHeadHeader(signal?: AbortSignal): Promise<BlockHeaderInfo> {
    const h = await this.getHeader("head", signal);
    if (!h)
      throw new UpstreamError("beacon", "http_status", `beacon ${this.url} has no head header`, {
        status: 404,
      });
    return h;
  }

  async getFinalityCheckpoints(stateId = "head", signal?: AbortSignal): Promise<FinalityCheckpoints> {
    const { data } = await this.mustJson(
      `/eth/v1/beacon/states/${stateId}/finality_checkpoints`,
      finalitySchema,
      signal,
    );
    const cp = (c: { epoch: string; root: string }) => ({
      epoch: Number(c.epoch),
      root: fromHex(c.root, "checkpoint root"),
    });
    return {
      previousJustified: cp(data.previous_justified),
      currentJustified: cp(data.current_justified),
      finalized: cp(data.finalized),
    };
  }

  /** SSZ is asked for first; nodes that answer JSON anyway (e.g. old Lodestar) are decoded from JSON. */
  async getBlock(blockId: string | number, signal?: AbortSignal): Promise<FetchedBlock | undefined> {
    const path = `/eth/v2/beacon/blocks/${blockId}`;
    const url = this.urlOf(path);
    const res = await this.get(path, "application/octet-stream;q=1,application/json;q=0.9", signal);
    if (res.status === 404) return undefined;
    let decoded: DecodedBlock;
    let encoding: "ssz" | "json";
    if (res.status === 200 && res.contentType.startsWith("application/octet-stream")) {
      if (!res.consensusVersion)
        throw malformed("beacon", url, "SSZ without an Eth-Consensus-Version header");
      decoded = this.decodeOrMalformed(url, () => decodeSignedBlockSsz(res.consensusVersion ?? "", res.body));
      encoding = "ssz";
    } else {
      const json = this.parseJson(path, res, blockJsonSchema);
      decoded = this.decodeOrMalformed(url, () => decodeSignedBlockJson(json.version, json.data));
      encoding = "json";
    }
    return {
      fork: decoded.fork,
      encoding,
      signedBlock: decoded.block,
      slot: decoded.block.message.slot,
      blockRoot: blockRootOf(decoded),
      parentRoot: decoded.block.message.parentRoot,
    };
  }

  private decodeOrMalformed(url: string, fn: () => DecodedBlock): DecodedBlock {
    try {
      return fn();
    } catch (e) {
      throw malformed("beacon", url, `an undecodable block: ${errorMessage(e)}`);
    }
  }

  /** Gloas: the revealed payload envelope (path per beacon-APIs EIP-7732 draft). */
  async getExecutionPayloadEnvelope(
    blockRoot: Uint8Array,
    signal?: AbortSignal,
  ): Promise<unknown | undefined> {
    const path = `/eth/v1/beacon/execution_payload_envelope/0x${Buffer.from(blockRoot).toString("hex")}`;
    const res = await this.get(path, "application/octet-stream;q=1,application/json;q=0.9", signal);
    if (res.status === 404) return undefined;
    if (res.status === 200 && res.contentType.startsWith("application/octet-stream")) return res.body;
    return this.parseJson(path, res, z.object({ data: z.unknown() })).data;
  }

  private currentEpoch(): number | undefined {
    if (!this.genesisCache || !this.slotTiming) return undefined;
    const secs = this.clock.now() / 1000 - this.genesisCache.genesisTime;
    return Math.max(0, Math.floor(secs / this.slotTiming.secondsPerSlot / this.slotTiming.slotsPerEpoch));
  }

  private async ensureTiming(signal?: AbortSignal): Promise<void> {
    if (this.slotTiming && this.genesisCache) return;
    await this.getGenesis(signal);
    const spec = await this.getSpec(signal);
    this.slotTiming = {
      secondsPerSlot: Number(spec.SECONDS_PER_SLOT ?? "12") || 12,
      slotsPerEpoch: Number(spec.SLOTS_PER_EPOCH ?? "32") || 32,
    };
  }

  /** Validators by index or pubkey (and optional statuses) at `stateId`; fills the cache. */
  async getValidators(
    ids: readonly (number | string)[],
    statuses: readonly ValidatorStatus[] = [],
    stateId = "head",
    signal?: AbortSignal,
  ): Promise<ValidatorInfo[]> {
    const params = new URLSearchParams();
    for (const id of ids) params.append("id", String(id));
    for (const s of statuses) params.append("status", s);
    const qs = params.toString();
    const res = await this.getJson(
      `/eth/v1/beacon/states/${stateId}/validators${qs ? `?${qs}` : ""}`,
      validatorsSchema,
      signal,
    );
    // Some nodes answer 404 when none of the ids exist.
    const data = res?.data ?? [];
    const epoch = this.currentEpoch() ?? -1;
    const out = data.map((v) => ({
      index: Number(v.index),
      pubkey: fromHex(v.validator.pubkey, "validator pubkey"),
      status: v.status,
      active: v.status.startsWith("active_"),
    }));
    for (const info of out) this.remember(info, epoch);
    return out;
  }

  private remember(info: ValidatorInfo, epoch: number): void {
    this.validators.delete(info.index);
    this.validators.set(info.index, { info, epoch });
    while (this.validators.size > this.opts.maxCachedValidators) {
      const oldest = this.validators.keys().next();
      if (oldest.done) break;
      this.validators.delete(oldest.value);
    }
  }

  /** Cached per epoch: a lookup in a new epoch refreshes the entry from the node. */
  async getValidator(index: number, signal?: AbortSignal): Promise<ValidatorInfo | undefined> {
    await this.ensureTiming(signal);
    const epoch = this.currentEpoch() ?? -1;
    const hit = this.validators.get(index);
    if (hit && hit.epoch === epoch) return hit.info;
    const [info] = await this.getValidators([index], [], "head", signal);
    return info;
  }

  /**
   * POSTs 1..4 envelopes as SSZ `List[SignedExecutionProofEnvelope, 4]` (as zkboost's submitter does).
   * 2xx: the node published them or already knew them. Otherwise an ExecutionProofSubmitError with
   * the node's message and its per-index failures. User:password in the base URL is sent as HTTP
   * Basic auth, never logged or quoted.
   */
  private envelopeList(): SszCodec<SignedExecutionProof[]> {
    const list = this.containers.SignedExecutionProofList;
    if (!list) {
      throw new EproofError(
        "BAD_CONFIG",
        `spec profile ${this.containers.profile.name} has no execution proof envelopes`,
      );
    }
    return list;
  }

  /**
   * The proofs a beacon node holds for a block (eth-act Lighthouse's
   * GET /eth/v1/beacon/execution_proofs/{block_id}, SSZ): for re-fetching proofs gossip dropped.
   * Unverified here: callers validate them like gossip.
   */
  async getExecutionProofs(blockRoot: Uint8Array, signal?: AbortSignal): Promise<SignedExecutionProof[]> {
    const list = this.envelopeList();
    const path = `${EXECUTION_PROOFS_PATH}/0x${Buffer.from(blockRoot).toString("hex")}`;
    const res = await this.get(path, "application/octet-stream", signal);
    if (res.status === 404) return [];
    if (res.status !== 200 || !res.contentType.startsWith("application/octet-stream")) {
      throw malformed("beacon", path, `execution proofs answered ${res.status} ${res.contentType}`);
    }
    if (res.body.length === 0) return [];
    try {
      return list.deserialize(res.body);
    } catch (e) {
      throw malformed("beacon", path, `not an SSZ list of execution proof envelopes: ${errorMessage(e)}`);
    }
  }

  async submitExecutionProofs(
    envelopes: readonly SignedExecutionProof[],
    signal?: AbortSignal,
  ): Promise<void> {
    if (this.containers.profile.wire !== "envelope") {
      throw new EproofError(
        "BAD_CONFIG",
        `spec profile ${this.containers.profile.name} has no execution proof envelopes to submit`,
      );
    }
    if (envelopes.length === 0) return;
    if (envelopes.length > MAX_EXECUTION_PROOFS_PER_PAYLOAD) {
      throw new EproofError(
        "BAD_INPUT",
        `at most ${MAX_EXECUTION_PROOFS_PER_PAYLOAD} execution proofs per submission, got ${envelopes.length}`,
      );
    }
    const body = this.envelopeList().serialize([...envelopes]);
    const { url, authorization } = splitCredentials(this.urlOf(EXECUTION_PROOFS_PATH));
    const where = redactUrl(url);
    const headers: Record<string, string> = {
      "content-type": "application/octet-stream",
      accept: "application/json",
    };
    if (authorization) headers.authorization = authorization;
    const deadline = startDeadline(this.clock, this.opts.requestTimeoutMs, signal);
    let status: number;
    let text: string;
    try {
      const res = await request(url, { method: "POST", headers, body, signal: deadline.signal });
      status = res.statusCode;
      text = status >= 200 && status < 300 ? "" : await readBounded(res.body);
      if (status >= 200 && status < 300) await res.body.dump();
    } catch (e) {
      throw classifyFetchError("beacon", url, e, deadline.timedOut());
    } finally {
      deadline.clear();
    }
    if (status >= 200 && status < 300) return;
    throw submitError(where, status, text);
  }
}

/** undici ignores user:password in a URL: it becomes a Basic Authorization header instead. */
function splitCredentials(raw: string): { url: string; authorization?: string } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new EproofError("BAD_CONFIG", `beacon URL is not a valid URL: ${redactUrl(raw)}`);
  }
  if (!u.username && !u.password) return { url: raw };
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  u.username = "";
  u.password = "";
  return { url: u.toString(), authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}` };
}

async function readBounded(body: AsyncIterable<Uint8Array> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const take = chunk.subarray(0, MAX_ERROR_BODY_BYTES - size);
    chunks.push(Buffer.from(take));
    size += take.length;
    if (size >= MAX_ERROR_BODY_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}

function submitError(where: string, status: number, text: string): ExecutionProofSubmitError {
  let parsed: z.infer<typeof indexedErrorSchema> | undefined;
  try {
    const result = indexedErrorSchema.safeParse(JSON.parse(text));
    if (result.success) parsed = result.data;
  } catch {
    parsed = undefined;
  }
  const failures = (parsed?.failures ?? []).map((f) => ({ index: Number(f.index), message: f.message }));
  const reason = parsed?.message ?? (text.trim().slice(0, 200) || "no message");
  const listed = failures.map((f) => `[${f.index}] ${f.message}`).join("; ");
  const message = `beacon ${where} refused execution proofs: HTTP ${status}: ${reason}${listed ? ` (${listed})` : ""}`;
  return new ExecutionProofSubmitError(message, status, failures);
}
