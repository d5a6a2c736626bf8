import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EreBackend } from "../../../src/proving/backends/ere.ts";
import { createBackend } from "../../../src/proving/backends/factory.ts";
import { ZkboostBackend } from "../../../src/proving/backends/zkboost.ts";

describe("createBackend", () => {
  it("builds ere and zkboost backends from their options", async () => {
    const ere = await createBackend({ kind: "ere", url: "http://127.0.0.1:3000", proofType: 6, chainId: 1n });
    expect(ere).toBeInstanceOf(EreBackend);
    expect(ere.id).toBe("ere:127.0.0.1:3000");
    const zk = await createBackend({
      kind: "zkboost",
      url: "http://127.0.0.1:3001",
      proofTypes: [6],
      name: "zk-a",
    });
    expect(zk).toBeInstanceOf(ZkboostBackend);
    expect(zk.id).toBe("zk-a");
    await ere.close?.();
    await zk.close?.();
  });

  it("refuses bad endpoints with BAD_CONFIG", async () => {
    await expect(
      createBackend({ kind: "ere", url: "ftp://x", proofType: 6, chainId: 1n }),
    ).rejects.toMatchObject({
      code: "BAD_CONFIG",
    });
    await expect(createBackend({ kind: "zkboost", url: "http://x", proofTypes: [] })).rejects.toMatchObject({
      code: "BAD_CONFIG",
    });
  });

  it("loads the CPU backend when cpu.ts exists, else says it is unavailable", async () => {
    const present = existsSync(new URL("../../../src/proving/backends/cpu.ts", import.meta.url));
    const attempt = createBackend({ kind: "cpu" });
    // cpu.ts may want options this test does not know: then its own error, not "unavailable".
    if (present) {
      await attempt.then(
        (b) => expect(b.kind).toBe("cpu"),
        (e: unknown) => expect(String(e)).not.toMatch(/not available/),
      );
    } else await expect(attempt).rejects.toThrow(/CPU backend is not available/);
  });
});
