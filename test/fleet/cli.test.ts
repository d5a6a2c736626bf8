import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { EreTestServer } from "../support/ereServer.ts";

const run = promisify(execFile);
const bin = fileURLToPath(new URL("../../bin/eproof.js", import.meta.url));
const fakeSmi = fileURLToPath(new URL("./fixtures/fake-nvidia-smi.sh", import.meta.url));
const eproof = (...args: string[]) => run(process.execPath, [bin, ...args], { encoding: "utf8" });

describe("eproof gpus / gpu compose", () => {
  const server = new EreTestServer({ publicValuesFor: () => new Uint8Array() });
  let url = "";
  beforeAll(async () => {
    url = await server.listen();
  });
  afterAll(() => server.close());

  it("lists the GPUs nvidia-smi reports and each endpoint's health", async () => {
    const { stdout } = await eproof(
      "gpus",
      "--nvidia-smi",
      fakeSmi,
      "--endpoint",
      url,
      "--endpoint",
      "http://127.0.0.1:1",
      "--json",
    );
    const out = JSON.parse(stdout) as { gpus: unknown[]; endpoints: Array<{ url: string; ok: boolean }> };
    expect(out.gpus).toHaveLength(8);
    expect(out.endpoints).toEqual([
      expect.objectContaining({ url, ok: true }),
      expect.objectContaining({ url: "http://127.0.0.1:1", ok: false }),
    ]);
    const text = await eproof("gpus", "--nvidia-smi", "/nonexistent/nvidia-smi");
    expect(text.stdout).toMatch(/GPUs: none found \(.*not found/);
  });

  it("writes a compose file for every GPU nvidia-smi lists", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "eproof-gpu-")), "compose.yaml");
    const { stdout } = await eproof(
      "gpu",
      "compose",
      "--zkvm",
      "zisk",
      "--elf",
      "/opt/g.elf",
      "--nvidia-smi",
      fakeSmi,
      "--out",
      file,
    );
    expect(stdout).toMatch(/ere-zisk-gpu7 → http:\/\/127\.0\.0\.1:3007/);
    const doc = parse(readFileSync(file, "utf8")) as { services: Record<string, unknown> };
    expect(Object.keys(doc.services)).toHaveLength(8);
  });

  it("fails with one clear line on bad input", async () => {
    await expect(
      eproof("gpu", "compose", "--zkvm", "sp1", "--elf", "x", "--gpus", "0", "--layout", "zisk-cluster"),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^eproof: the cluster layout is ZisK-only.*\n$/),
    });
  });
});
