import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configSchema } from "../../src/config/schema.ts";
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

  it("lists the GPUs nvidia-smi reports and each endpoint's health, exit 1 when one is down", async () => {
    // A server that answers /health but is no prover.
    const other = createServer((_req, res) => res.writeHead(200).end());
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const addr = other.address();
    const otherUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    try {
      const failed = (await eproof(
        "gpus",
        "--nvidia-smi",
        fakeSmi,
        "--endpoint",
        url,
        "--endpoint",
        "http://127.0.0.1:1",
        "--endpoint",
        otherUrl,
        "--json",
      ).catch((e: unknown) => e)) as { code?: number; stdout?: string };
      expect(failed.code).toBe(1);
      const out = JSON.parse(failed.stdout ?? "{}") as {
        gpus: unknown[];
        endpoints: Array<{ url: string; ok: boolean }>;
      };
      expect(out.gpus).toHaveLength(8);
      expect(out.endpoints).toEqual([
        expect.objectContaining({ url, ok: true, kind: "ere" }),
        expect.objectContaining({ url: "http://127.0.0.1:1", ok: false }),
        expect.objectContaining({
          url: otherUrl,
          ok: false,
          detail: expect.stringContaining("neither an ere-server"),
        }),
      ]);
      const healthy = await eproof("gpus", "--nvidia-smi", fakeSmi, "--endpoint", url);
      expect(healthy.stdout).toContain(`ok    ${url} (ere-server)`);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
    const text = await eproof("gpus", "--nvidia-smi", "/nonexistent/nvidia-smi");
    expect(text.stdout).toMatch(/GPUs: none found \(.*not found/);
  });

  it("writes a compose file for every GPU nvidia-smi lists, and the proving.backends snippet", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eproof-gpu-"));
    const file = join(dir, "compose.yaml");
    const elf = join(dir, "reth-zisk.elf");
    writeFileSync(elf, "ELF");
    const { stdout } = await eproof(
      "gpu",
      "compose",
      "--zkvm",
      "zisk",
      "--elf",
      elf,
      "--nvidia-smi",
      fakeSmi,
      "--out",
      file,
    );
    expect(stdout).toMatch(/ere-zisk-gpu7 → http:\/\/127\.0\.0\.1:3007/);
    const doc = parse(readFileSync(file, "utf8")) as { services: Record<string, unknown> };
    expect(Object.keys(doc.services)).toHaveLength(8);
    // The snippet is valid YAML eproof's config takes, one ere backend per server.
    const snippet = parse(stdout.slice(stdout.indexOf("# proving.backends"))) as {
      proving: { backends: { kind: string; url: string; proofType: string; gpus: number[] }[] };
    };
    expect(snippet.proving.backends).toHaveLength(8);
    expect(snippet.proving.backends[7]).toEqual({
      kind: "ere",
      url: "http://ere-zisk-gpu7:3000",
      proofType: "reth-zisk",
      gpus: [7],
    });
    expect(
      configSchema.parse({ proving: { ...snippet.proving, proofTypes: ["reth-zisk"] } }).proving.backends,
    ).toHaveLength(8);
    // A missing ELF is refused before anything is written.
    await expect(
      eproof("gpu", "compose", "--zkvm", "zisk", "--elf", join(dir, "missing.elf"), "--gpus", "0"),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^eproof: --elf .*missing\.elf: no such file/),
    });
  });

  it("fails with one clear line on bad input", async () => {
    await expect(
      eproof("gpu", "compose", "--zkvm", "sp1", "--elf", bin, "--gpus", "0", "--layout", "zisk-cluster"),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^eproof: the cluster layout is ZisK-only.*\n$/),
    });
  });
});
