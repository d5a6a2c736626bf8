// Chooses a proving backend implementation from a discriminated union of options, as Lodestar's
// initializeExecutionEngine does.
import type { SpecProfile } from "../../spec/profile.ts";
import type { ProofTypeTable } from "../../spec/proofTypes.ts";
import { EproofError } from "../../util/errors.ts";
import type { ProvingBackend } from "../interface.ts";
import { CpuBackend, type CpuBackendOpts } from "./cpu.ts";
import { defaultEreBackendOpts, EreBackend } from "./ere.ts";
import { defaultZkboostBackendOpts, ZkboostBackend } from "./zkboost.ts";

export type BackendOpts =
  | {
      kind: "ere";
      url: string;
      proofType: number;
      name?: string;
      chainId: bigint;
      profile?: SpecProfile;
      proveTimeoutMs?: number;
      verifyTimeoutMs?: number;
    }
  | {
      kind: "zkboost";
      url: string;
      proofTypes: readonly number[];
      name?: string;
      table?: ProofTypeTable;
      proveTimeoutMs?: number;
      verifyTimeoutMs?: number;
    }
  | {
      kind: "cpu";
      options?: CpuBackendOpts;
    };

export const defaultBackendOpts = {
  ere: defaultEreBackendOpts,
  zkboost: defaultZkboostBackendOpts,
} as const;

export async function createBackend(opts: BackendOpts): Promise<ProvingBackend> {
  switch (opts.kind) {
    case "ere":
      return new EreBackend({
        url: opts.url,
        proofType: opts.proofType,
        id: opts.name,
        chainId: opts.chainId,
        profile: opts.profile,
        proveTimeoutMs: opts.proveTimeoutMs,
        verifyTimeoutMs: opts.verifyTimeoutMs,
      });
    case "zkboost":
      return new ZkboostBackend({
        url: opts.url,
        proofTypes: opts.proofTypes,
        id: opts.name,
        table: opts.table,
        proveTimeoutMs: opts.proveTimeoutMs,
        verifyTimeoutMs: opts.verifyTimeoutMs,
      });
    case "cpu":
      return new CpuBackend(opts.options ?? {});
    default: {
      const unknownKind: never = opts;
      throw new EproofError("BAD_CONFIG", `unknown backend kind ${JSON.stringify(unknownKind)}`);
    }
  }
}
