import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/loader.ts";
import { loadNetworkPreset, PRESET_NETWORKS } from "../../src/config/network.ts";
import { CONFIG_LEAVES } from "../../src/config/options.ts";
import { tempDir } from "../support/tempDir.ts";

function file(text: string): string {
  const dir = tempDir("eproof-config-");
  const path = join(dir, "eproof.yaml");
  writeFileSync(path, text);
  return path;
}

describe("configuration precedence", () => {
  it("defaults < file < env < flags", () => {
    const defaults = loadConfig();
    expect(defaults.beacon.url).toBe("http://127.0.0.1:5052");
    expect(defaults.api.host).toBe("127.0.0.1");
    expect(defaults.gateway.enabled).toBe(false);

    const path = file("beacon:\n  url: http://127.0.0.1:1111\napi:\n  port: 1000\ngateway:\n  k: 2\n");
    const fromFile = loadConfig({ file: path });
    expect(fromFile.beacon.url).toBe("http://127.0.0.1:1111");
    expect(fromFile.api.port).toBe(1000);

    const withEnv = loadConfig({
      file: path,
      env: { EPROOF_API_PORT: "2000", EPROOF_P2P_STATIC_PEERS: "/ip4/1.2.3.4/tcp/1,/ip4/1.2.3.5/tcp/1" },
    });
    expect(withEnv.api.port).toBe(2000);
    expect(withEnv.beacon.url).toBe("http://127.0.0.1:1111");
    expect(withEnv.p2p.staticPeers).toHaveLength(2);

    const withFlags = loadConfig({
      file: path,
      env: { EPROOF_API_PORT: "2000" },
      flags: { "api.port": "3000", "gateway.k": 3 },
    });
    expect(withFlags.api.port).toBe(3000);
    expect(withFlags.gateway.k).toBe(3);
  });

  it("parses JSON-valued settings from the environment", () => {
    const c = loadConfig({
      env: {
        EPROOF_PROVING_BACKENDS:
          '[{"kind":"cpu"},{"kind":"ere","url":"http://127.0.0.1:3000","proofType":"reth-zisk"}]',
      },
    });
    expect(c.proving.backends).toHaveLength(2);
    expect(c.proving.backends[1]).toMatchObject({ kind: "ere", timeoutMs: 120000 });
  });

  it("names the unknown key or bad value in one line", () => {
    expect(() => loadConfig({ file: file("beacon:\n  urll: x\n") })).toThrow(/unknown key urll in beacon/);
    expect(() => loadConfig({ file: file("nonsense: 1\n") })).toThrow(/unknown key nonsense/);
    expect(() => loadConfig({ file: file("api:\n  port: 70000\n") })).toThrow(/api\.port/);
    expect(() => loadConfig({ file: file("beacon: [1\n") })).toThrow(/not valid YAML/);
    expect(() => loadConfig({ file: "/nonexistent/eproof.yaml" })).toThrow(/cannot read config file/);
    expect(() => loadConfig({ env: { EPROOF_BEACON_URLL: "x" } })).toThrow(
      /unknown environment variable EPROOF_BEACON_URLL/,
    );
    expect(() => loadConfig({ env: { EPROOF_API_PORT: "eighty" } })).toThrow(
      /EPROOF_API_PORT: "eighty" is not a number/,
    );
    expect(() => loadConfig({ flags: { "gateway.mode": "sometimes" } })).toThrow(/gateway\.mode/);
    expect(() => loadConfig({ flags: { "no.such": 1 } })).toThrow(/unknown flag --no\.such/);
    expect(() => loadConfig({ env: { EPROOF_PROVING_BACKENDS: '[{"kind":"gpu"}]' } })).toThrow(
      /proving\.backends/,
    );
  });

  it("every leaf has help text and an EPROOF_ variable", () => {
    for (const leaf of CONFIG_LEAVES) {
      expect(leaf.description, leaf.path).not.toBe("");
      expect(leaf.env).toMatch(/^EPROOF_[A-Z0-9_]+$/);
    }
  });

  it("the commented example config in config/ is valid", () => {
    const c = loadConfig({ file: new URL("../../config/eproof.example.yaml", import.meta.url).pathname });
    expect(c.network).toBe("hoodi");
  });

  it("the example config lists every key (set or commented out), and only keys eproof accepts", () => {
    const text = readFileSync(new URL("../../config/eproof.example.yaml", import.meta.url), "utf8");
    const listed = new Set<string>();
    const set = new Set<string>();
    const stack: string[] = [];
    for (const raw of text.split("\n")) {
      const m = /^(\s*)(#\s?)?(\s*)([A-Za-z0-9_]+):(\s|$)/.exec(raw);
      if (!m) continue;
      const depth = ((m[1]?.length ?? 0) + (m[3]?.length ?? 0)) / 2;
      if (!Number.isInteger(depth)) continue;
      stack.length = depth;
      stack[depth] = m[4] ?? "";
      const path = stack.join(".");
      listed.add(path);
      if (m[2] === undefined) set.add(path);
    }
    expect(CONFIG_LEAVES.map((l) => l.path).filter((p) => !listed.has(p))).toEqual([]);
    // Every key set in the example is one eproof accepts (no documented-but-refused keys).
    const paths = CONFIG_LEAVES.map((l) => l.path);
    const known = (p: string) => paths.some((l) => l === p || l.startsWith(`${p}.`) || p.startsWith(`${l}.`));
    expect([...set].filter((p) => !known(p))).toEqual([]);
  });
});

describe("network presets", () => {
  it("mainnet, sepolia and hoodi load with their chain ids and fork schedules", () => {
    const ids: Record<string, number> = { mainnet: 1, sepolia: 11155111, hoodi: 560048 };
    for (const name of PRESET_NETWORKS) {
      const n = loadNetworkPreset(name);
      expect(n.chainId).toBe(ids[name]);
      expect(n.genesisValidatorsRoot).toHaveLength(32);
      expect(n.proofTypes.find((p) => p.id === 0xf0)?.name).toBe("eproof-reexec");
    }
    const mainnet = loadNetworkPreset("mainnet");
    expect(mainnet.forkConfig.getForkName(411392 * 32)).toBe("fulu");
    expect(mainnet.forkConfig.getForkName(411392 * 32 - 1)).toBe("electra");
    expect(() => loadNetworkPreset("goerli")).toThrow(/unknown network "goerli"/);
  });
});
