// The `p2p.*` section of the eproof config → P2pOpts, shared by the full node and the light node.
import type { EproofConfig } from "../config/schema.ts";
import type { ProofTypeTable } from "../spec/proofTypes.ts";
import type { P2pOpts } from "./interface.ts";

export function p2pOptsFromConfig(
  config: EproofConfig,
  table: ProofTypeTable,
  dataDir: string,
): Partial<P2pOpts> {
  const p = config.p2p;
  return {
    listen: p.listen,
    announce: p.announce,
    staticPeers: p.staticPeers,
    bootnodes: p.bootnodes,
    maxConnections: p.maxPeers,
    dataDir,
    discv5Port: p.discovery ? p.discv5Port : undefined,
    localProofTypes: p.localProofTypes.map((t) => table.resolve(t).id),
    blsWorkers: p.blsWorkers,
  };
}
