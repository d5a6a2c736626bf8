// Reads a data dir's double-sign journal (signed-proofs.jsonl) as the crash tests check it: the proof
// roots signed per (payload root, proof type). A line torn by a kill is skipped, as the guard skips it.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** `${payloadRoot}/${proofType}` → the distinct proof roots journaled for it. */
export function journaledProofs(dataDir: string): Map<string, Set<string>> {
  const byKey = new Map<string, Set<string>>();
  for (const line of readFileSync(join(dataDir, "signed-proofs.jsonl"), "utf8").split("\n")) {
    if (!line.trim()) continue;
    let r: { root?: unknown; type?: unknown; proof?: unknown };
    try {
      r = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof r.root !== "string" || typeof r.type !== "number") continue;
    const key = `${r.root}/${r.type}`;
    const set = byKey.get(key) ?? new Set<string>();
    set.add(String(r.proof));
    byKey.set(key, set);
  }
  return byKey;
}
