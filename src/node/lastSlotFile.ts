// The chain follower's resume point in the data dir, written atomically (temp file + rename).
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LastSlotStore } from "../beacon/interface.ts";

export class LastSlotFile implements LastSlotStore {
  private readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, "last-slot");
  }

  async load(): Promise<number | undefined> {
    try {
      const n = Number((await readFile(this.path, "utf8")).trim());
      return Number.isInteger(n) && n >= 0 ? n : undefined;
    } catch {
      return undefined;
    }
  }

  async save(slot: number): Promise<void> {
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, `${slot}\n`);
    await rename(tmp, this.path);
  }
}
