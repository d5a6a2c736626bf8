// Failure classification, as zkboost reports failures: what went wrong is told apart from where.
import { isEproofError } from "../../util/errors.ts";
import { type ProofFailureReason, ProveFailure } from "../interface.ts";

export type FailurePhase = "witness" | "prove" | "store";

function isAbortOrTimeout(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return e.name === "AbortError" || e.name === "TimeoutError";
}

/**
 * The reason reported for an error thrown in `phase`: a backend's own ProveFailure keeps its reason;
 * any witness-phase failure is witness_timeout (the witness never arrived in usable form); a prove
 * that timed out or was aborted is proving_timeout, a prover's refusal proving_error; the rest is ours.
 */
export function classifyFailure(e: unknown, phase: FailurePhase): ProofFailureReason {
  if (e instanceof ProveFailure) return e.reason;
  if (phase === "witness") return "witness_timeout";
  if (phase === "store") return "internal_error";
  if (isAbortOrTimeout(e)) return "proving_timeout";
  if (isEproofError(e)) {
    if (e.code === "TIMEOUT") return "proving_timeout";
    if (e.code === "PROVER" || e.code === "UPSTREAM") return "proving_error";
  }
  return "internal_error";
}
