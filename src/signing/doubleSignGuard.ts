// Never sign two different ExecutionProofs for one (new_payload_request_root, proof_type), across restarts.
// An append-only journal, fsynced before a signature is released; a torn last line (crash) is ignored.
// Pairs are never forgotten: the recorded slot of a payload can come from an unauthenticated API
// sighting, so no slot rule can prove a pair unreachable. Growth is bounded instead by a finality
// floor (beacon-confirmed, journaled too): nothing new is signed for a slot at or below it.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { EproofError } from "../util/errors.ts";
import { toHex } from "../util/hex.ts";

interface GuardRecord {
  root: string;
  type: number;
  proof: string;
  slot: number;
}

/** A journal line raising the floor: the first slot of the finalized epoch the beacon node reported. */
interface FloorRecord {
  finalizedSlot: number;
}

export class DoubleSignGuard {
  private readonly path: string;
  private readonly signed = new Map<string, GuardRecord>();
  private fd: number;
  private floor?: number;

  constructor(dataDir: string) {
    this.path = join(dataDir, "signed-proofs.jsonl");
    let tornTail = false;
    if (existsSync(this.path)) {
      const text = readFileSync(this.path, "utf8");
      tornTail = text.length > 0 && !text.endsWith("\n");
      for (const line of text.split("\n")) {
        if (!line.trim()) continue;
        let r: Partial<GuardRecord & FloorRecord>;
        try {
          r = JSON.parse(line) as Partial<GuardRecord & FloorRecord>;
        } catch {
          // A torn write from a crash: its signature was never released, so skipping it is safe.
          continue;
        }
        if (typeof r.finalizedSlot === "number") this.raiseFloor(r.finalizedSlot);
        else if (typeof r.root === "string" && typeof r.type === "number")
          this.signed.set(keyOf(r.root, r.type), r as GuardRecord);
      }
    }
    this.fd = openSync(this.path, "a", 0o600);
    // End a torn last line, or the next record would be glued to it and lost on the next load.
    if (tornTail) {
      writeSync(this.fd, "\n");
      fsyncSync(this.fd);
    }
  }

  /**
   * Records the intent to sign `proofRoot` for (root, type). Throws DOUBLE_SIGN if a different proof was
   * signed for that pair, or if the pair is new and `slot` is at or below the finality floor; signing
   * the same proof again is allowed. Durable when it returns.
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
    if (this.floor !== undefined && slot <= this.floor) {
      throw new EproofError(
        "DOUBLE_SIGN",
        `refusing to sign a proof for payload ${root} of slot ${slot}: finalized (slot ${this.floor} is final)`,
      );
    }
    const record: GuardRecord = { root, type: proofType, proof, slot };
    this.append(record);
    this.signed.set(keyOf(root, proofType), record);
  }

  /**
   * Beacon-confirmed finality at `slot` (the first slot of the finalized epoch): from now on no new pair
   * is signed for a slot at or below it. Forgets nothing. Durable when it returns; never lowers the floor.
   */
  finalized(slot: number): void {
    if (!Number.isSafeInteger(slot) || slot < 0) throw new EproofError("BAD_INPUT", `not a slot: ${slot}`);
    if (this.floor !== undefined && slot <= this.floor) return;
    const record: FloorRecord = { finalizedSlot: slot };
    this.append(record);
    this.raiseFloor(slot);
  }

  /** The finality floor, if any finality was recorded. */
  finalizedSlot(): number | undefined {
    return this.floor;
  }

  size(): number {
    return this.signed.size;
  }

  close(): void {
    closeSync(this.fd);
  }

  private append(record: GuardRecord | FloorRecord): void {
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.fd);
  }

  private raiseFloor(slot: number): void {
    if (this.floor === undefined || slot > this.floor) this.floor = slot;
  }
}

function keyOf(root: string, type: number): string {
  return `${root}:${type}`;
}
