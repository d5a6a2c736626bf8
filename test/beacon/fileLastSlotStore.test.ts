import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileLastSlotStore } from "../../src/beacon/fileLastSlotStore.ts";
import { tempDir } from "../support/tempDir.ts";

describe("FileLastSlotStore", () => {
  const dir = tempDir("eproof-slot-");
  it("returns undefined before the first save, then the saved slot", async () => {
    const s = new FileLastSlotStore(join(dir, "sub", "last-slot"));
    expect(await s.load()).toBeUndefined();
    await s.save(12345);
    expect(await new FileLastSlotStore(join(dir, "sub", "last-slot")).load()).toBe(12345);
  });
  it("refuses a corrupted file and a bad slot with clear errors", async () => {
    const p = join(dir, "bad");
    writeFileSync(p, "twelve");
    await expect(new FileLastSlotStore(p).load()).rejects.toMatchObject({ code: "STORE" });
    await expect(new FileLastSlotStore(p).save(-1)).rejects.toMatchObject({ code: "BAD_INPUT" });
  });
});
