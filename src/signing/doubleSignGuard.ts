// Never sign two different ExecutionProofs for one (new_payload_request_root, proof_type), across restarts.
// An append-only journal, fsynced before a signature is released; a torn last line (crash) is ignored.
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { EproofError } from "../util/errors.ts";
import { toHex } from "../util/hex.ts";

interface GuardRecord {
  root: string;
  type: number;
  proof: string;
  slot: number;
}

export class DoubleSignGuard {
  private readonly path: string;
  private readonly signed = new Map<string, GuardRecord>();
  private fd: number;

  constructor(dataDir: string) {
    this.path = join(dataDir, "signed-proofs.jsonl");
    if (existsSync(this.path)) {
      for (const line of readFileSync(this.path, "utf8").split("\n")) {
        if (!line.trim()) continue;
        try {
          const r = JSON.parse(line) as GuardRecord;
          this.signed.set(keyOf(r.root, r.type), r);
        } catch {
          // A torn write from a crash: its signature was never released, so skipping it is safe.
        }
      }
    }
    this.fd = openSync(this.path, "a", 0o600);
  }

  /**
   * Records the intent to sign `proofRoot` for (root, type). Throws DOUBLE_SIGN if a different proof was
   * signed for that pair; signing the same proof again is allowed. Durable when it returns.
   */
  check(newPayloadRequestRoot: Uint8Array, proofType: number, proofRoot: Uint8Array, slot: number): void {
    const root = toHex(newPayloadRequestRoot);
    const proof = toHex(proofRoot);
    const existing = this.signed.get(keyOf(root, proofType));
    if (existing) {
      if (existing.proof === proof) return;
      throw new EproofError(
        "DOUBLE_SIGN",
        `refusing to sign a second, different proof for payload ${root} and proof type ${proofType}`,
      );
    }
    const record: GuardRecord = { root, type: proofType, proof, slot };
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.fd);
    this.signed.set(keyOf(root, proofType), record);
  }

  /** Forgets pairs of slots before `slot` (finalized: they can never be re-proposed). */
  pruneBefore(slot: number): number {
    let dropped = 0;
    for (const [k, r] of this.signed) {
      if (r.slot < slot) {
        this.signed.delete(k);
        dropped++;
      }
    }
    if (dropped === 0) return 0;
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, [...this.signed.values()].map((r) => `${JSON.stringify(r)}\n`).join(""), {
      mode: 0o600,
    });
    const tfd = openSync(tmp, "r");
    fsyncSync(tfd);
    closeSync(tfd);
    closeSync(this.fd);
    renameSync(tmp, this.path);
    this.fd = openSync(this.path, "a", 0o600);
    return dropped;
  }

  size(): number {
    return this.signed.size;
  }

  close(): void {
    closeSync(this.fd);
  }
}

function keyOf(root: string, type: number): string {
  return `${root}:${type}`;
}
