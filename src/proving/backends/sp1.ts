// The in-process SP1 verifier backend: checks SP1 Hypercube proofs (ethrex-sp1, reth-sp1) on this CPU in
// tens of milliseconds, off the event loop, with no ere-server or GPU. The wasm STARK verifier does not
// look at the guest's output, so this backend binds it: the output must hash to the digest the proof
// commits to, the proof must be for the configured program vk, and the output must be this payload's.
import { DEFAULT_PROFILE_NAME, getProfile, type SpecProfile } from "../../spec/profile.ts";
import { EproofError, errorMessage } from "../../util/errors.ts";
import type {
  BackendCapabilities,
  BackendHealth,
  ProveRequest,
  ProveResult,
  ProvingBackend,
  VerifyRequest,
  VerifyResult,
} from "../interface.ts";
import { ProveFailure } from "../interface.ts";
import { expectedPublicValues, publicValuesMismatch } from "./ereGuestIo.ts";
import { type Sp1PoolOpts, Sp1VerifierPool, sp1VerifierPackage } from "./sp1Pool.ts";
import { readSp1Proof, type Sp1ProofView, sp1BindingMismatch, sp1VkWordsBytes } from "./sp1Proof.ts";
import type { Sp1ProgramVks } from "./sp1Vks.ts";

/** The proof types eproof verifies in process by default (newest zkboost / Prysm ids). */
export const DEFAULT_SP1_PROOF_TYPES = [2, 5] as const;

export interface Sp1BackendOpts extends Sp1PoolOpts {
  id?: string;
  /** Proof type ids this backend verifies (default ethrex-sp1 2, reth-sp1 5). */
  proofTypes?: readonly number[];
  /** Program vk per proof type; a type without one is "cannot verify", never valid. */
  vks: Sp1ProgramVks;
  /** Spec profile: the public-values form the guests commit to. */
  profile?: SpecProfile;
  /** Chain id the guest writes into its StatelessValidationResult. */
  chainId: bigint;
  /** Proof type names for messages. */
  nameOf?: (proofType: number) => string;
}

export interface Sp1Verdict {
  valid: boolean;
  reason?: string;
  /** What the proof says, when it parsed. */
  proof?: Pick<Sp1ProofView, "publicValues" | "sp1Version" | "exitCode">;
  ms: number;
}

/**
 * One SP1 proof against a program vk (8 canonical words) and a rule for its output: the cheap binding
 * checks first (no wasm for a proof of another program or output), then the STARK on the pool.
 * Pool failures (busy, timeout, crash) throw: they mean "could not verify", not "invalid".
 */
export async function verifySp1Proof(
  pool: Sp1VerifierPool,
  proofData: Uint8Array,
  vkWords: Uint32Array,
  outputMismatch: (publicValues: Uint8Array) => string | undefined,
  signal?: AbortSignal,
): Promise<Sp1Verdict> {
  const started = performance.now();
  const done = (valid: boolean, reason?: string, proof?: Sp1ProofView): Sp1Verdict => {
    const out: Sp1Verdict = { valid, ms: performance.now() - started };
    if (reason !== undefined) out.reason = reason;
    if (proof) {
      out.proof = {
        publicValues: proof.publicValues,
        sp1Version: proof.sp1Version,
        exitCode: proof.exitCode,
      };
    }
    return out;
  };
  let view: Sp1ProofView;
  try {
    view = readSp1Proof(proofData);
  } catch (e) {
    return done(false, errorMessage(e));
  }
  const mismatch = sp1BindingMismatch(view, vkWords, outputMismatch);
  if (mismatch) return done(false, mismatch, view);
  const stark = await pool.verifyStark(proofData, sp1VkWordsBytes(vkWords), signal);
  return stark ? done(true, undefined, view) : done(false, "the SP1 STARK does not verify", view);
}

export class Sp1Backend implements ProvingBackend {
  readonly id: string;
  // Runs on this machine's CPU, in process, like the CPU type; proves nothing.
  readonly kind = "sp1" as const;
  private readonly types: readonly number[];
  private readonly vks: Sp1ProgramVks;
  private readonly profile: SpecProfile;
  private readonly chainId: bigint;
  private readonly pool: Sp1VerifierPool;
  private readonly workers: number;
  private readonly nameOf: (proofType: number) => string;

  constructor(opts: Sp1BackendOpts) {
    this.id = opts.id ?? "sp1";
    this.types = [...(opts.proofTypes ?? DEFAULT_SP1_PROOF_TYPES)];
    this.vks = opts.vks;
    this.profile = opts.profile ?? getProfile(DEFAULT_PROFILE_NAME);
    this.chainId = opts.chainId;
    this.workers = opts.workers ?? 1;
    this.pool = new Sp1VerifierPool(opts);
    this.nameOf = opts.nameOf ?? ((t) => `proof type ${t}`);
  }

  capabilities(): BackendCapabilities {
    // Only types with a vk verify here; a missing one is fetched again in the background (rate limited).
    if (this.types.some((t) => !this.vks.has(t))) void this.vks.refresh();
    return { prove: [], verify: this.types.filter((t) => this.vks.has(t)), concurrency: this.workers };
  }

  async prove(req: ProveRequest): Promise<ProveResult> {
    throw new ProveFailure(
      "internal_error",
      `${this.id} only verifies (asked to prove type ${req.proofType})`,
    );
  }

  async verify(req: VerifyRequest): Promise<VerifyResult> {
    const started = performance.now();
    if (!this.types.includes(req.proofType)) {
      throw new EproofError(
        "BAD_INPUT",
        `${this.id} verifies ${this.typeList()}, not ${this.nameOf(req.proofType)}`,
      );
    }
    if (!this.vks.has(req.proofType)) await this.vks.refresh();
    const vk = this.vks.get(req.proofType);
    if (!vk) {
      throw new EproofError(
        "NOT_FOUND",
        `${this.id}: no program vk for ${this.nameOf(req.proofType)}, so its proofs cannot be verified`,
      );
    }
    if (req.proofData.length === 0 || req.proofData.length > this.profile.maxProofSize) {
      const reason = `proof of ${req.proofData.length} bytes is outside 1..${this.profile.maxProofSize}`;
      return { valid: false, reason, ms: performance.now() - started };
    }
    const expected = expectedPublicValues(this.profile.publicValues, req.newPayloadRequestRoot, this.chainId);
    const verdict = await verifySp1Proof(
      this.pool,
      req.proofData,
      vk,
      (pv) => publicValuesMismatch(pv, expected),
      req.signal,
    );
    const out: VerifyResult = { valid: verdict.valid, ms: performance.now() - started };
    if (verdict.reason !== undefined) out.reason = verdict.reason;
    return out;
  }

  async health(): Promise<BackendHealth> {
    const missing = this.vks.missing();
    const have = this.types.filter((t) => this.vks.has(t));
    let version = "unknown";
    try {
      version = sp1VerifierPackage().version;
    } catch (e) {
      return { ok: false, detail: `SP1 verifier package not installed: ${errorMessage(e)}` };
    }
    const s = this.pool.stats();
    const parts = [
      `in-process SP1 Hypercube verifier ${version}`,
      `vks for ${have.map(this.nameOf).join(", ") || "no proof type"}`,
      `${s.busy}/${this.workers} workers busy, ${s.queued} queued`,
    ];
    for (const m of missing)
      parts.push(`${m.name}: vk not fetched from ${m.url}${m.error ? ` (${m.error})` : ""}`);
    return { ok: have.length > 0, detail: parts.join("; ") };
  }

  /** Starts the verifier workers now rather than on the first proof. */
  warm(): void {
    this.pool.warm();
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private typeList(): string {
    return this.types.map(this.nameOf).join(", ");
  }
}
