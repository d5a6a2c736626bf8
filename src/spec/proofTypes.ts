// The proof-type table: names ↔ u8 ids. Ids differ between zkboost, Lighthouse and Prysm, so the
// table is configuration; the default follows the newest zkboost and Prysm, plus eproof's CPU type.
import { EproofError } from "../util/errors.ts";

export type ProofKind = "zkvm" | "reexec";

export interface ProofTypeEntry {
  readonly id: number;
  readonly name: string;
  readonly kind: ProofKind;
}

export const CPU_PROOF_TYPE_NAME = "eproof-reexec";
export const CPU_PROOF_TYPE_ID = 0xf0;

export const DEFAULT_PROOF_TYPES: readonly ProofTypeEntry[] = [
  { id: 1, name: "ethrex-openvm", kind: "zkvm" },
  { id: 2, name: "ethrex-sp1", kind: "zkvm" },
  { id: 3, name: "ethrex-zisk", kind: "zkvm" },
  { id: 4, name: "reth-openvm", kind: "zkvm" },
  { id: 5, name: "reth-sp1", kind: "zkvm" },
  { id: 6, name: "reth-zisk", kind: "zkvm" },
  { id: 7, name: "zesu-zisk", kind: "zkvm" },
  { id: CPU_PROOF_TYPE_ID, name: CPU_PROOF_TYPE_NAME, kind: "reexec" },
];

export class ProofTypeTable {
  private readonly byId = new Map<number, ProofTypeEntry>();
  private readonly byName = new Map<string, ProofTypeEntry>();

  constructor(entries: readonly ProofTypeEntry[] = DEFAULT_PROOF_TYPES) {
    for (const e of entries) {
      if (!Number.isInteger(e.id) || e.id < 0 || e.id > 255) {
        throw new EproofError("BAD_CONFIG", `proof type "${e.name}" has id ${e.id}, which is not a u8`);
      }
      if (this.byId.has(e.id)) throw new EproofError("BAD_CONFIG", `proof type id ${e.id} is listed twice`);
      if (this.byName.has(e.name))
        throw new EproofError("BAD_CONFIG", `proof type "${e.name}" is listed twice`);
      this.byId.set(e.id, e);
      this.byName.set(e.name, e);
    }
  }

  entries(): ProofTypeEntry[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  get(id: number): ProofTypeEntry | undefined {
    return this.byId.get(id);
  }

  /** Accepts a name ("reth-zisk", any case) or a decimal/0x id ("6", "0xf0"). */
  resolve(nameOrId: string | number): ProofTypeEntry {
    if (typeof nameOrId === "number") {
      const e = this.byId.get(nameOrId);
      if (!e)
        throw new EproofError(
          "BAD_INPUT",
          `unknown proof type id ${nameOrId} (known: ${this.entries()
            .map((t) => `${t.id} ${t.name}`)
            .join(", ")})`,
        );
      return e;
    }
    const byName =
      this.byName.get(nameOrId) ??
      this.entries().find((t) => t.name.toLowerCase() === nameOrId.toLowerCase());
    if (byName) return byName;
    if (/^(0x[0-9a-fA-F]+|\d+)$/.test(nameOrId)) return this.resolve(Number(nameOrId));
    throw new EproofError(
      "BAD_INPUT",
      `unknown proof type "${nameOrId}" (known: ${[...this.byName.keys()].join(", ")})`,
    );
  }

  nameOf(id: number): string {
    return this.byId.get(id)?.name ?? `unknown-${id}`;
  }
}
