// Regenerates config/networks/{mainnet,sepolia,hoodi}.yaml from @lodestar/config's network configs.
// Run: node scripts/gen-network-presets.ts
import { writeFileSync } from "node:fs";
import { genesisData, networksChainConfig } from "@lodestar/config/networks";
import { stringify } from "yaml";
import { DEFAULT_PROOF_TYPES } from "../src/spec/proofTypes.ts";

const FORKS = ["GENESIS", "ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU", "GLOAS"] as const;

for (const name of ["mainnet", "sepolia", "hoodi"] as const) {
  const c = networksChainConfig[name] as unknown as Record<string, unknown>;
  const forks = FORKS.map((f) => {
    const epoch = f === "GENESIS" ? 0 : (c[`${f}_FORK_EPOCH`] as number);
    return {
      name: f === "GENESIS" ? "phase0" : f.toLowerCase(),
      version: `0x${Buffer.from(c[`${f}_FORK_VERSION`] as Uint8Array).toString("hex")}`,
      epoch: Number.isFinite(epoch) ? epoch : null,
    };
  });
  const preset = {
    name,
    chainId: Number(c.DEPOSIT_CHAIN_ID),
    genesisTime: genesisData[name].genesisTime,
    genesisValidatorsRoot: genesisData[name].genesisValidatorsRoot,
    secondsPerSlot: Number(c.SECONDS_PER_SLOT),
    forks,
    proofTypes: DEFAULT_PROOF_TYPES.map((p) => ({ id: p.id, name: p.name, kind: p.kind })),
  };
  const header = [
    `# ${name}: fork schedule and genesis from @lodestar/config's network config (regenerate with`,
    "# `node scripts/gen-network-presets.ts`). `epoch: null` = not scheduled. proofTypes is the",
    "# proof-type name <-> u8 table (newest zkboost/Prysm ids, plus eproof's CPU type 0xf0 = 240).",
    "",
  ].join("\n");
  writeFileSync(new URL(`../config/networks/${name}.yaml`, import.meta.url), header + stringify(preset, { flowLevel: 2 }));
}
