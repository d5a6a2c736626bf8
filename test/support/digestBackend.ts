// A ProvingBackend for tests where no prover can run: its "proof" is sha256(StatelessInput) ‖ root,
// which verify checks against the root. Delays run on the injected clock; failures can be scripted.
import { createHash } from "node:crypto";
import type {
  BackendCapabilities,
  BackendHealth,
  ProveRequest,
  ProveResult,
  ProvingBackend,
  VerifyRequest,
  VerifyResult,
} from "../../src/proving/interface.ts";
import type { Clock } from "../../src/util/clock.ts";
import { bytesEqual } from "../../src/util/hex.ts";

export interface DigestBackendOpts {
  id: string;
  proofTypes: readonly number[];
  kind?: ProvingBackend["kind"];
  clock: Clock;
  /** Simulated proving time. */
  proveMs?: number;
  /** Errors thrown by the next proves, in order. */
  failures?: Error[];
  /** Ignore the abort signal, as a remote prover that keeps going would. */
  ignoreAbort?: boolean;
}

export class DigestBackend implements ProvingBackend {
  readonly id: string;
  readonly kind: ProvingBackend["kind"];
  readonly inputs: Uint8Array[] = [];
  readonly nprs: (Uint8Array | undefined)[] = [];
  proves = 0;
  private readonly opts: DigestBackendOpts;

  constructor(opts: DigestBackendOpts) {
    this.opts = opts;
    this.id = opts.id;
    this.kind = opts.kind ?? "cpu";
  }

  capabilities(): BackendCapabilities {
    return { prove: this.opts.proofTypes, verify: this.opts.proofTypes, concurrency: 1 };
  }

  async prove(req: ProveRequest): Promise<ProveResult> {
    this.proves++;
    this.inputs.push(req.statelessInput);
    this.nprs.push(req.npr);
    const t0 = this.opts.clock.now();
    if (this.opts.proveMs) {
      await this.opts.clock.sleep(this.opts.proveMs, this.opts.ignoreAbort ? undefined : req.signal);
    }
    const failure = this.opts.failures?.shift();
    if (failure) throw failure;
    const digest = createHash("sha256").update(req.statelessInput).digest();
    const proofData = new Uint8Array(64);
    proofData.set(digest, 0);
    proofData.set(req.newPayloadRequestRoot, 32);
    return {
      proofData,
      publicValues: req.newPayloadRequestRoot,
      timings: { totalMs: this.opts.clock.now() - t0 },
    };
  }

  async verify(req: VerifyRequest): Promise<VerifyResult> {
    const valid =
      req.proofData.length === 64 && bytesEqual(req.proofData.subarray(32), req.newPayloadRequestRoot);
    return valid ? { valid, ms: 0 } : { valid, reason: "proof does not commit to this root", ms: 0 };
  }

  async health(): Promise<BackendHealth> {
    return { ok: true };
  }
}
