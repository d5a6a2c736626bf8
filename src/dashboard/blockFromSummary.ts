// Bridges the per-block log (metrics/blockLog.ts) to the dashboard: a settled BlockSummary becomes
// one timeline entry, so the daemon wires `onSettled` straight into DashboardState.recordBlock.
import type { BlockSummary } from "../metrics/blockLog.ts";
import type { DashboardBlockInput } from "./dashboardState.ts";

export function dashboardBlockFromSummary(summary: BlockSummary, verifiedBy = 0): DashboardBlockInput {
  return {
    slot: summary.slot,
    blockHash: summary.block,
    gasUsed: summary.gas,
    txs: summary.txs,
    stages: {
      npr: summary.npr_ms,
      witness: summary.witness_ms,
      input: summary.input_ms,
      queue: summary.queue_ms,
      prove: summary.prove_ms,
      sign: summary.sign_ms,
      publish: summary.publish_ms,
    },
    provedMs: summary.total_ms,
    proofTypes: summary.proofTypes,
    verifiedBy,
    proving: summary.outcome !== "not_proving",
    orphaned: summary.outcome === "orphaned",
  };
}
