// Failure classification, as zkboost reports failures: what went wrong is told apart from where.
// A witness-phase failure names what failed, so an operator knows what to fix: a timeout, an execution
// client that does not answer, a missing chain config, a fork the profile cannot write, an execution
// client that answered without a witness, or a witness that does not carry the block.
import { UpstreamError } from "../../beacon/upstreamError.ts";
import { RpcError } from "../../execution/jsonRpcClient.ts";
import { ChainConfigUnavailableError } from "../../execution/rpcWitnessSource.ts";
import { isEproofError } from "../../util/errors.ts";
import { type ProofFailureReason, ProveFailure } from "../interface.ts";

export type FailurePhase = "witness" | "prove" | "store";

function isAbortOrTimeout(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return e.name === "AbortError" || e.name === "TimeoutError";
}

/**
 * The reason reported for an error thrown in `phase`: a backend's own ProveFailure keeps its reason;
 * a witness-phase failure is classified by witnessFailureReason; a prove that timed out or was aborted
 * is proving_timeout, a prover's refusal proving_error; the rest is ours.
 */
export function classifyFailure(e: unknown, phase: FailurePhase): ProofFailureReason {
  if (e instanceof ProveFailure) return e.reason;
  if (phase === "witness") return witnessFailureReason(e);
  if (phase === "store") return "internal_error";
  if (isAbortOrTimeout(e)) return "proving_timeout";
  if (isEproofError(e)) {
    if (e.code === "TIMEOUT") return "proving_timeout";
    if (e.code === "PROVER" || e.code === "UPSTREAM") return "proving_error";
  }
  return "internal_error";
}

/**
 * witness_timeout only for timeouts (a request that timed out, an abort at the deadline, or an EL that
 * kept answering "no witness yet" until the wait ran out); execution_unreachable when the execution
 * client could not be reached or answered with an HTTP error; chain_config_unavailable when there is
 * no chain config to re-execute with; fork_mismatch for a fork the profile writes no input for;
 * witness_invalid for a witness that is malformed or does not validate the block; witness_unavailable
 * for the rest (the EL answered, but without a witness: no debug API, no such block, a refused call).
 */
export function witnessFailureReason(e: unknown): ProofFailureReason {
  if (isAbortOrTimeout(e)) return "witness_timeout";
  if (e instanceof ChainConfigUnavailableError) return "chain_config_unavailable";
  if (e instanceof UpstreamError) {
    if (e.kind === "timeout") return "witness_timeout";
    if (e.kind === "malformed") return "witness_invalid";
    return "execution_unreachable";
  }
  if (e instanceof RpcError) return e.methodMissing ? "witness_unavailable" : "witness_timeout";
  if (isEproofError(e)) {
    if (e.code === "TIMEOUT") return "witness_timeout";
    if (e.code === "UNKNOWN_FORK") return "fork_mismatch";
    if (e.code === "BAD_INPUT" || e.code === "SSZ_DECODE" || e.code === "BAD_HEX") return "witness_invalid";
    if (e.code === "BAD_CONFIG") return "chain_config_unavailable";
  }
  return "witness_unavailable";
}
