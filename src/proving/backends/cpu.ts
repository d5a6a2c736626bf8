// The CPU proving backend: proves and verifies eproof's own proof type `eproof-reexec` (0xF0) on this
// machine, no GPU. Proving checks the payload by re-executing it, then ships the compressed input;
// verifying re-executes it again from the proof alone.
import type { StatelessRevisionName } from "../../spec/profile.ts";
import { CPU_PROOF_TYPE_ID } from "../../spec/proofTypes.ts";
import { decodeStatelessInput, encodeValidationResult } from "../../spec/stateless.ts";
import {
  type ChainConfigSource,
  proveReexec,
  resolveReexecConfig,
  verifyReexec,
} from "../../stateless/cpuProof.ts";
import { validateStateless } from "../../stateless/engine.ts";
import { errorMessage } from "../../util/errors.ts";
import { bytesEqual, toHex } from "../../util/hex.ts";
import {
  type BackendCapabilities,
  type BackendHealth,
  ProveFailure,
  type ProveRequest,
  type ProveResult,
  type ProvingBackend,
  type VerifyRequest,
  type VerifyResult,
} from "../interface.ts";

export interface CpuBackendOpts {
  /** Id of `eproof-reexec` in the proof-type table (configurable; default 0xF0). */
  proofType?: number;
  id?: string;
  /** Fork schedule(s) to execute with; default: the networks eproof ships (Hoodi). */
  chainConfig?: ChainConfigSource;
  /**
   * Body revision of 0x1501 inputs (the profile's `statelessRevision`); unset: found by decoding (see
   * STATELESS_REVISION_TRY_ORDER). Public values follow it: 43 bytes for v0.8.4 / v21.0.1.
   */
  statelessRevision?: StatelessRevisionName;
}

export class CpuBackend implements ProvingBackend {
  readonly id: string;
  readonly kind = "cpu" as const;
  private readonly proofType: number;
  private readonly chainConfig: ChainConfigSource | undefined;
  private readonly revision: StatelessRevisionName | undefined;

  constructor(opts: CpuBackendOpts = {}) {
    this.proofType = opts.proofType ?? CPU_PROOF_TYPE_ID;
    this.id = opts.id ?? "cpu";
    this.chainConfig = opts.chainConfig;
    this.revision = opts.statelessRevision;
  }

  capabilities(): BackendCapabilities {
    // Re-execution is single-threaded JavaScript: one at a time keeps the event loop responsive.
    return { prove: [this.proofType], verify: [this.proofType], concurrency: 1, verifiesWhileProving: true };
  }

  async prove(req: ProveRequest): Promise<ProveResult> {
    const t0 = performance.now();
    if (req.proofType !== this.proofType) {
      throw new ProveFailure(
        "internal_error",
        `the CPU backend proves type ${this.proofType}, not ${req.proofType}`,
      );
    }
    let decoded: ReturnType<typeof decodeStatelessInput>;
    try {
      decoded = decodeStatelessInput(req.statelessInput, this.revision);
    } catch (e) {
      throw new ProveFailure("internal_error", `StatelessInput does not decode: ${errorMessage(e)}`);
    }
    const { schemaId, value, revision } = decoded;
    let outcome: Awaited<ReturnType<typeof validateStateless>>;
    try {
      outcome = await validateStateless({
        npr: value.newPayloadRequest,
        witness: value.witness,
        chainConfig: resolveReexecConfig(this.chainConfig, value),
        publicKeys: value.publicKeys,
      });
    } catch (e) {
      throw new ProveFailure("proving_error", errorMessage(e));
    }
    if (!bytesEqual(outcome.result.newPayloadRequestRoot, req.newPayloadRequestRoot)) {
      throw new ProveFailure(
        "internal_error",
        `StatelessInput is for NPR ${toHex(outcome.result.newPayloadRequestRoot)}, not ${toHex(req.newPayloadRequestRoot)}`,
      );
    }
    if (!outcome.valid)
      throw new ProveFailure("proving_error", `payload does not validate: ${outcome.reason ?? ""}`);
    if (req.signal?.aborted) throw new ProveFailure("proving_timeout", "prove aborted");
    const proofData = proveReexec(req.statelessInput, revision);
    return {
      proofData,
      publicValues: encodeValidationResult(outcome.result, schemaId, revision),
      timings: { totalMs: performance.now() - t0, provingMs: outcome.ms },
    };
  }

  async verify(req: VerifyRequest): Promise<VerifyResult> {
    if (req.proofType !== this.proofType) {
      return {
        valid: false,
        reason: `the CPU backend verifies type ${this.proofType}, not ${req.proofType}`,
        ms: 0,
      };
    }
    const r = await verifyReexec(req.proofData, req.newPayloadRequestRoot, this.chainConfig, this.revision);
    const out: VerifyResult = { valid: r.valid, ms: r.ms };
    if (r.reason !== undefined) out.reason = r.reason;
    return out;
  }

  async health(): Promise<BackendHealth> {
    return { ok: true, detail: "in-process stateless re-execution" };
  }
}
