// SP1 program vks per proof type: hex, file, or an ere-server's ProgramVk fetched once and pinned; the
// config entry and the network presets' vk sources through the factory.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../../src/config/schema.ts";
import { encodeProgramVkResponse } from "../../../src/proving/backends/ereProtocol.ts";
import { createBackend, sp1BackendOpts } from "../../../src/proving/backends/factory.ts";
import { Sp1Backend } from "../../../src/proving/backends/sp1.ts";
import { decodeSp1ProgramVk } from "../../../src/proving/backends/sp1Proof.ts";
import { loadPresetVkSources, Sp1ProgramVks } from "../../../src/proving/backends/sp1Vks.ts";
import { DEFAULT_PROOF_TYPES, ProofTypeTable } from "../../../src/spec/proofTypes.ts";
import { toHex } from "../../../src/util/hex.ts";

const FIXTURES = new URL("../../../../shared/fixtures/zkvm-proofs/", import.meta.url);
const vkPath = new URL("sp1/program_vk.bin", FIXTURES).pathname;
const vkBytes = new Uint8Array(readFileSync(vkPath));
const words = decodeSp1ProgramVk(vkBytes);
const table = new ProofTypeTable(DEFAULT_PROOF_TYPES);

/** A loopback ere-server that answers only ProgramVk (Twirp, protobuf), counting calls. */
class ProgramVkServer {
  calls = 0;
  up = true;
  private readonly server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      this.calls++;
      if (!this.up || req.url !== "/twirp/api.ZkvmService/ProgramVk") {
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ code: "unavailable", msg: "not now" }));
        return;
      }
      res.writeHead(200, { "content-type": "application/protobuf" });
      res.end(encodeProgramVkResponse({ ok: { programVk: vkBytes } }));
    });
  });
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe("Sp1ProgramVks", () => {
  let dir: string;
  let ere: ProgramVkServer;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "eproof-sp1vks-"));
    ere = new ProgramVkServer();
    url = await ere.listen();
  });
  afterAll(async () => {
    await ere.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads hex and files (raw 32 bytes or hex text); a bad one is a configuration error", () => {
    const hexFile = join(dir, "hex.vk");
    writeFileSync(hexFile, `${toHex(vkBytes)}\n`);
    const vks = new Sp1ProgramVks([
      { proofType: 2, name: "ethrex-sp1", source: { hex: toHex(vkBytes) } },
      { proofType: 5, name: "reth-sp1", source: { file: vkPath } },
      { proofType: 7, name: "x", source: { file: hexFile } },
    ]);
    for (const t of [2, 5, 7]) expect([...(vks.get(t) ?? [])]).toEqual([...words]);
    expect(() => new Sp1ProgramVks([{ proofType: 2, name: "a", source: { hex: "0x12" } }])).toThrow(
      /32 bytes/,
    );
    expect(
      () => new Sp1ProgramVks([{ proofType: 2, name: "a", source: { file: join(dir, "missing") } }]),
    ).toThrow(/cannot read/);
  });

  it("fetches an ere-server's ProgramVk once, pins it, and later starts read the pin", async () => {
    const pinDir = join(dir, "pins");
    const spec = [{ proofType: 5, name: "reth-sp1", source: { ere: url } }];
    const first = new Sp1ProgramVks(spec, { pinDir });
    expect(first.has(5)).toBe(false);
    await first.refresh({ force: true });
    expect([...(first.get(5) ?? [])]).toEqual([...words]);
    expect(readFileSync(join(pinDir, "reth-sp1.vk"), "utf8").trim()).toBe(toHex(vkBytes));
    const calls = ere.calls;
    const second = new Sp1ProgramVks(spec, { pinDir });
    expect(second.has(5)).toBe(true);
    await second.refresh({ force: true });
    expect(ere.calls).toBe(calls);
  });

  it("an unreachable ere-server leaves the type unverifiable and is retried no faster than retryMs", async () => {
    let now = 0;
    ere.up = false;
    const vks = new Sp1ProgramVks([{ proofType: 5, name: "reth-sp1", source: { ere: url } }], {
      retryMs: 1_000,
      now: () => now,
    });
    await vks.refresh();
    expect(vks.has(5)).toBe(false);
    expect(vks.missing()[0]?.error).toMatch(/unavailable/);
    const calls = ere.calls;
    await vks.refresh();
    expect(ere.calls).toBe(calls);
    ere.up = true;
    now = 1_000;
    await vks.refresh();
    expect(vks.has(5)).toBe(true);
  });
});

describe("sp1 config entry", () => {
  it("defaults to ethrex-sp1 and reth-sp1, one worker, and takes the presets' `ere: backend` source", async () => {
    const ere = new ProgramVkServer();
    const url = await ere.listen();
    const dataDir = mkdtempSync(join(tmpdir(), "eproof-sp1cfg-"));
    try {
      const config = configSchema.parse({
        network: "hoodi",
        proving: {
          backends: [
            { kind: "sp1", vks: { "ethrex-sp1": vkPath } },
            { kind: "ere", url, proofType: "reth-sp1" },
          ],
        },
      });
      const entry = config.proving.backends[0];
      if (entry?.kind !== "sp1") throw new Error("expected the sp1 entry first");
      expect(entry).toMatchObject({ proofTypes: ["ethrex-sp1", "reth-sp1"], workers: 1, maxQueue: 64 });
      expect(loadPresetVkSources("hoodi")).toEqual({
        "ethrex-sp1": { ere: "backend" },
        "reth-sp1": { ere: "backend" },
      });
      const opts = sp1BackendOpts(entry, {
        table,
        network: "hoodi",
        dataDir,
        chainId: 560048n,
        backends: config.proving.backends,
      });
      expect(opts.vks).toEqual([
        { proofType: 2, name: "ethrex-sp1", source: { file: vkPath } },
        { proofType: 5, name: "reth-sp1", source: { ere: url } },
      ]);
      const backend = await createBackend(opts);
      expect(backend).toBeInstanceOf(Sp1Backend);
      expect(backend.capabilities().verify).toEqual([2, 5]);
      expect(readFileSync(join(dataDir, "vks", "reth-sp1.vk"), "utf8").trim()).toBe(toHex(vkBytes));
      await backend.close?.();

      // No ere entry for a type and no configured vk: that type cannot be verified.
      const alone = configSchema.parse({ proving: { backends: [{ kind: "sp1" }] } });
      const aloneEntry = alone.proving.backends[0];
      if (aloneEntry?.kind !== "sp1") throw new Error("expected sp1");
      const none = sp1BackendOpts(aloneEntry, {
        table,
        network: "mainnet",
        chainId: 1n,
        backends: alone.proving.backends,
      });
      expect(none.vks).toEqual([]);
      const unverifiable = await createBackend(none);
      expect(unverifiable.capabilities().verify).toEqual([]);
      expect((await unverifiable.health()).ok).toBe(false);
      await unverifiable.close?.();

      const wrong = configSchema.parse({
        proving: { backends: [{ kind: "sp1", proofTypes: ["reth-sp1"], vks: { "ethrex-sp1": vkPath } }] },
      });
      const wrongEntry = wrong.proving.backends[0];
      if (wrongEntry?.kind !== "sp1") throw new Error("expected sp1");
      expect(() =>
        sp1BackendOpts(wrongEntry, { table, network: "custom", chainId: 1n, backends: [] }),
      ).toThrow(/not in its proofTypes/);
    } finally {
      await ere.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
