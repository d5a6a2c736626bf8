// The packaging: the compose example (alone and merged with a GPU compose from `eproof gpu compose`)
// is accepted by the compose CLI without an engine; the container config passes eproof's own schema;
// the Dockerfile keeps the README's install steps, a non-root user, a health check and a data volume.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/config/loader.ts";
import { configSchema } from "../../src/config/schema.ts";
import { buildCompose, renderCompose } from "../../src/fleet/compose.ts";

/** `docker compose` (plugin) or the standalone `docker-compose`, whichever answers. */
function composeCli(): string[] | undefined {
  const plugin = spawnSync("docker", ["compose", "version"], { encoding: "utf8" });
  if (!plugin.error && plugin.status === 0) return ["docker", "compose"];
  const standalone = spawnSync("docker-compose", ["version"], { encoding: "utf8" });
  if (!standalone.error && standalone.status === 0) return ["docker-compose"];
  return undefined;
}

const cli = composeCli();
if (cli === undefined) {
  console.warn("SKIPPED compose validation: neither `docker compose` nor `docker-compose` is installed");
}

function composeConfig(files: string[]): { status: number | null; stdout: string; stderr: string } {
  const [cmd, ...pre] = cli ?? [];
  const r = spawnSync(cmd ?? "false", [...pre, ...files.flatMap((f) => ["-f", f]), "config"], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface ComposeOut {
  services: Record<string, { volumes?: (string | { source?: string; target: string })[]; ports?: unknown[] }>;
}

const volumeTargets = (s: ComposeOut["services"][string] | undefined) =>
  (s?.volumes ?? []).map((v) => (typeof v === "string" ? (v.split(":")[1] ?? "") : v.target));

describe.skipIf(cli === undefined)("deploy/compose.yaml", () => {
  it("is valid and wires eproof, Prometheus and a provisioned Grafana", () => {
    const r = composeConfig(["deploy/compose.yaml"]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const out = parse(r.stdout) as ComposeOut;
    expect(Object.keys(out.services).sort()).toEqual(["eproof", "grafana", "prometheus"]);
    expect(volumeTargets(out.services.eproof)).toEqual([
      "/etc/eproof/eproof.yaml",
      "/etc/eproof/keys",
      "/data",
    ]);
    expect(volumeTargets(out.services.prometheus)).toContain("/etc/prometheus/alerts");
    const grafana = volumeTargets(out.services.grafana);
    expect(grafana).toContain("/etc/grafana/provisioning");
    const provider = parse(readFileSync("grafana/provisioning/dashboards/eproof.yaml", "utf8"));
    expect(grafana).toContain(provider.providers[0].options.path);
    expect(JSON.stringify(out.services.eproof?.ports)).toContain("127.0.0.1");
  });

  it("merges with the GPU compose `eproof gpu compose` writes", () => {
    const dir = mkdtempSync(join(tmpdir(), "eproof-deploy-"));
    try {
      const gpu = buildCompose({
        zkvm: "zisk",
        gpus: [0, 1],
        layout: "per-gpu",
        ereVersion: "0.11.0",
        elfPath: "/opt/guests/reth-zisk.elf",
        basePort: 3000,
        bindAddress: "0.0.0.0",
      });
      const file = join(dir, "gpu.compose.yaml");
      writeFileSync(file, renderCompose(gpu));
      const r = composeConfig(["deploy/compose.yaml", file]);
      expect(r.status).toBe(0);
      const out = parse(r.stdout) as ComposeOut;
      for (const e of gpu.endpoints) expect(out.services[e.service]).toBeDefined();
      expect(out.services.eproof).toBeDefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("container configuration", () => {
  it("deploy/eproof.yaml passes eproof's config schema and listens where compose publishes", () => {
    const cfg = configSchema.parse(parse(readFileSync("deploy/eproof.yaml", "utf8")));
    expect(cfg.dataDir).toBe("/data");
    expect(cfg.api.port).toBe(9500);
    expect(cfg.api.host).toBe("0.0.0.0");
    const prom = parse(readFileSync("deploy/prometheus.yml", "utf8"));
    expect(prom.scrape_configs[0].static_configs[0].targets).toEqual([`eproof:${cfg.api.port}`]);
    expect(cfg.metrics.gpuPrices["RTX 5090"]).toBeGreaterThan(0);
  });

  it("mounts a keys volume for the keystore and JWT secrets; signing and the gateway switch on in eproof.yaml", () => {
    const compose = parse(readFileSync("deploy/compose.yaml", "utf8"));
    const eproof = compose.services.eproof as { volumes: string[]; ports: string[] };
    expect(eproof.volumes).toContain("./keys:/etc/eproof/keys:ro");
    expect(existsSync("deploy/keys/README.md")).toBe(true);
    // The commented blocks, uncommented, are a valid config using files under the keys mount.
    let block = false;
    const text = readFileSync("deploy/eproof.yaml", "utf8")
      .split("\n")
      .map((line) => {
        if (/^# (signing|gateway):$/.test(line)) block = true;
        else if (!line.startsWith("#   ")) block = false;
        return block ? line.slice(2) : line;
      })
      .join("\n");
    const cfg = configSchema.parse(parse(text));
    expect(cfg.signing.keystore).toBe("/etc/eproof/keys/keystore.json");
    expect(cfg.signing.passwordFile).toBe("/etc/eproof/keys/password.txt");
    expect(cfg.gateway.enabled).toBe(true);
    expect(cfg.gateway.jwtSecretFile?.startsWith("/etc/eproof/keys/")).toBe(true);
    expect(eproof.ports).toContain(`127.0.0.1:${cfg.gateway.port}:${cfg.gateway.port}`);
    // Prometheus loads the alert rules compose mounts.
    const prom = parse(readFileSync("deploy/prometheus.yml", "utf8"));
    expect(prom.rule_files).toEqual(["/etc/prometheus/alerts/*.rules.yaml"]);
    const prometheus = compose.services.prometheus as { volumes: string[] };
    expect(prometheus.volumes).toContain("../grafana/alerts:/etc/prometheus/alerts:ro");
    expect(existsSync("grafana/alerts/eproof.rules.yaml")).toBe(true);
  });

  it("the image's and compose's EPROOF_* variables load with the container config", () => {
    const env: Record<string, string> = {};
    // Dockerfile: ENV A=1 \ B=2 (continued lines).
    const envBlock = /^ENV ((?:.*\\\n)*.*)$/m.exec(readFileSync("Dockerfile", "utf8"))?.[1] ?? "";
    for (const m of envBlock.matchAll(/(EPROOF_[A-Z_]+)=(\S+)/g)) env[m[1] ?? ""] = m[2] ?? "";
    const compose = parse(readFileSync("deploy/compose.yaml", "utf8"));
    for (const [k, v] of Object.entries(compose.services.eproof.environment as Record<string, string>)) {
      // ${VAR:-default} as compose resolves it with VAR unset.
      env[k] = String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1");
    }
    expect(Object.keys(env).length).toBeGreaterThan(4);
    const cfg = loadConfig({ file: "deploy/eproof.yaml", env });
    expect(cfg.dataDir).toBe("/data");
    expect(cfg.api.host).toBe("0.0.0.0");
    expect(cfg.p2p.listen).toEqual(["/ip4/0.0.0.0/tcp/9400"]);
    expect(cfg.beacon.url).toBe("http://host.docker.internal:5052");
  });

  it("Dockerfile: multi-stage Node 24 slim, README's npm install, non-root, health check, /data volume", () => {
    const df = readFileSync("Dockerfile", "utf8");
    expect(df.match(/^FROM node:24-slim AS \w+$/gm)?.length).toBe(2);
    expect(readFileSync("README.md", "utf8")).toContain("npm install && npm start");
    expect(df).toMatch(/^RUN npm install\b/m);
    expect(df).toMatch(/^USER node$/m);
    expect(df).toMatch(/^HEALTHCHECK .*\n?.*\/health/m);
    expect(df).toMatch(/^VOLUME \["\/data"\]$/m);
    expect(df).toMatch(/^ENTRYPOINT \["node", "bin\/eproof\.js"\]$/m);
    // Everything the build copies exists, and .dockerignore does not hide it.
    const ignored = readFileSync(".dockerignore", "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("#"));
    for (const m of df.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of (m[1] ?? "").split(/\s+/)) {
        expect(existsSync(src), src).toBe(true);
        expect(ignored, src).not.toContain(src);
      }
    }
    expect(ignored).toEqual(expect.arrayContaining(["node_modules", ".git", "test-output"]));
  });
});
