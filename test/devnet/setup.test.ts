// scripts/devnet-setup.sh is idempotent: with the devnet tools installed it returns at once without npm.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEVNET_SETUP_COMMAND, locateDevnetTools, requireDevnetTools } from "../../src/devnet/devnetTools.ts";
import { EproofError } from "../../src/util/errors.ts";

const installed = locateDevnetTools() !== undefined;
const script = resolve(import.meta.dirname, "../../scripts/devnet-setup.sh");

describe.skipIf(!installed)(
  installed ? "devnet setup script" : `devnet setup script — SKIPPED: run \`${DEVNET_SETUP_COMMAND}\` first`,
  () => {
    it("does nothing when devnet/node_modules matches the lockfile", () => {
      const r = spawnSync("bash", [script], { encoding: "utf8", timeout: 30_000 });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("already installed");
      const node20 = locateDevnetTools()?.node20 ?? "";
      const v = spawnSync(node20, ["--version"], { encoding: "utf8" });
      expect(v.stdout.trim()).toMatch(/^v20\./);
    });
  },
);

describe("devnet tools lookup", () => {
  it("reports missing tools with the setup command to run", () => {
    expect(locateDevnetTools("/nonexistent/devnet")).toBeUndefined();
    expect(() => requireDevnetTools("/nonexistent/devnet")).toThrow(DEVNET_SETUP_COMMAND);
    try {
      requireDevnetTools("/nonexistent/devnet");
    } catch (e) {
      expect(e).toBeInstanceOf(EproofError);
      expect((e as EproofError).code).toBe("BAD_CONFIG");
    }
  });
});
