// Chooses a proving backend implementation from a discriminated union of options, as Lodestar's
// initializeExecutionEngine does. The CPU backend lives in cpu.ts and is loaded on demand.
import type { SpecProfile } from "../../spec/profile.ts";
import type { ProofTypeTable } from "../../spec/proofTypes.ts";
import { EproofError, errorMessage } from "../../util/errors.ts";
import type { ProvingBackend } from "../interface.ts";
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
      /** Passed as is to `new CpuBackend(options)` (src/proving/backends/cpu.ts). */
      options?: Record<string, unknown>;
    };

export const defaultBackendOpts = {
  ere: defaultEreBackendOpts,
  zkboost: defaultZkboostBackendOpts,
} as const;

/** The module path is a variable so this file typechecks before cpu.ts lands. */
const CPU_MODULE = "./cpu.ts";

type BackendConstructor = new (options: Record<string, unknown>) => ProvingBackend;

function isConstructor(v: unknown): v is BackendConstructor {
  return typeof v === "function";
}

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
    case "cpu": {
      let mod: Record<string, unknown>;
      try {
        mod = (await import(CPU_MODULE)) as Record<string, unknown>;
      } catch (e) {
        throw new EproofError(
          "BAD_CONFIG",
          `the CPU backend is not available in this build: ${errorMessage(e)}`,
        );
      }
      const ctor = mod.CpuBackend;
      if (!isConstructor(ctor))
        throw new EproofError("INTERNAL", "src/proving/backends/cpu.ts exports no CpuBackend class");
      return new ctor(opts.options ?? {});
    }
    default: {
      const unknownKind: never = opts;
      throw new EproofError("BAD_CONFIG", `unknown backend kind ${JSON.stringify(unknownKind)}`);
    }
  }
}
