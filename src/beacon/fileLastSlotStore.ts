// The follower's resume point in a small file, written atomically (temp file + rename) so a crash
// leaves either the old or the new slot, never a torn one.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { EproofError, errorMessage } from "../util/errors.ts";
import type { LastSlotStore } from "./interface.ts";

export class FileLastSlotStore implements LastSlotStore {
  private readonly path: string;
  constructor(path: string) {
    this.path = path;
  }

  async load(): Promise<number | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new EproofError("STORE", `cannot read ${this.path}: ${errorMessage(e)}`);
    }
    const slot = Number(text.trim());
    if (!Number.isSafeInteger(slot) || slot < 0) {
      throw new EproofError(
        "STORE",
        `${this.path} does not hold a slot number (got "${text.trim().slice(0, 20)}")`,
      );
    }
    return slot;
  }

  async save(slot: number): Promise<void> {
    if (!Number.isSafeInteger(slot) || slot < 0) throw new EproofError("BAD_INPUT", `not a slot: ${slot}`);
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, `${slot}\n`);
    await rename(tmp, this.path);
  }
}
