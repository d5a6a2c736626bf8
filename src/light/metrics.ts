// LightMetrics on a prom-client registry (the node's): head lag behind the optimistic header, proofs
// verified and their verify time, proof bytes per slot, light-client bytes, refused updates, RPC checks.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { LightMetrics } from "./interface.ts";

export function createLightMetrics(registry: Registry): LightMetrics {
  const reg = { registers: [registry] };
  const headers = new Counter({
    name: "eproof_light_headers_verified_total",
    help: "verified headers",
    labelNames: ["kind"],
    ...reg,
  });
  const refused = new Counter({
    name: "eproof_light_updates_refused_total",
    help: "refused light-client messages",
    labelNames: ["reason"],
    ...reg,
  });
  const proofs = new Counter({
    name: "eproof_light_proofs_verified_total",
    help: "valid proofs verified",
    labelNames: ["proof_type"],
    ...reg,
  });
  const verifyMs = new Histogram({
    name: "eproof_light_verify_ms",
    help: "proof verification time (ms)",
    buckets: [5, 10, 25, 50, 100, 250, 500, 1000, 5000],
    ...reg,
  });
  const proofBytes = new Counter({
    name: "eproof_light_proof_bytes_total",
    help: "bytes of valid proofs",
    ...reg,
  });
  const lcBytes = new Counter({
    name: "eproof_light_lc_bytes_total",
    help: "bytes of light-client data received",
    ...reg,
  });
  const headSlot = new Gauge({
    name: "eproof_light_head_slot",
    help: "slot of the verified execution head",
    ...reg,
  });
  const lag = new Gauge({
    name: "eproof_light_head_lag_slots",
    help: "slots between the optimistic header and the verified execution head",
    ...reg,
  });
  const rpc = new Histogram({
    name: "eproof_light_rpc_check_ms",
    help: "verified JSON-RPC check time (ms)",
    labelNames: ["method", "ok"],
    buckets: [1, 2, 5, 10, 25, 50, 100, 250],
    ...reg,
  });
  return {
    recordHeaderVerified: (kind) => headers.inc({ kind }),
    recordUpdateRefused: (reason) => refused.inc({ reason }),
    recordProofVerified: (proofType, ms, bytes) => {
      proofs.inc({ proof_type: String(proofType) });
      verifyMs.observe(ms);
      proofBytes.inc(bytes);
    },
    recordLightClientBytes: (bytes) => lcBytes.inc(bytes),
    recordHead: (slot, optimisticSlot) => {
      headSlot.set(slot);
      lag.set(Math.max(0, optimisticSlot - slot));
    },
    recordRpcCheck: (method, ms, ok) => rpc.observe({ method, ok: String(ok) }, ms),
  };
}
