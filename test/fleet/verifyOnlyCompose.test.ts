// `eproof gpu compose --verify-only`: CPU ere-servers for the zkVMs without an in-process verifier.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildVerifyOnlyCompose, renderVerifyOnlyCompose, zkvmOfProofType } from "../../src/fleet/compose.ts";

const base = { ereVersion: "0.16.2", basePort: 3100, bindAddress: "127.0.0.1" };

describe("verify-only compose", () => {
  it("one CPU ere-server per non-SP1 proof type, no GPU reservation; SP1 left to eproof", () => {
    const doc = buildVerifyOnlyCompose({
      ...base,
      servers: [
        { proofType: "reth-zisk", elfPath: "/elfs/reth-zisk.elf" },
        { proofType: "ethrex-sp1", elfPath: "/elfs/ethrex-sp1.elf" },
        { proofType: "ethrex-openvm", elfPath: "/elfs/ethrex-openvm.elf" },
      ],
    });
    expect(doc.inProcess).toEqual(["ethrex-sp1"]);
    expect(doc.proofTypes).toEqual(["reth-zisk", "ethrex-openvm"]);
    expect(doc.endpoints.map((e) => e.url)).toEqual(["http://127.0.0.1:3100", "http://127.0.0.1:3101"]);
    const text = renderVerifyOnlyCompose(doc);
    expect(text).toMatch(/verified in process by eproof .*: ethrex-sp1/);
    const services = (parse(text) as { services: Record<string, Record<string, unknown>> }).services;
    const zisk = services["ere-verify-reth-zisk"];
    expect(zisk?.image).toBe("ghcr.io/eth-act/ere/ere-server-zisk:0.16.2");
    expect(zisk?.command).toEqual(["--port", "3000", "--elf-path", "/guest/guest.elf", "cpu"]);
    expect(zisk?.volumes).toEqual(["/elfs/reth-zisk.elf:/guest/guest.elf:ro"]);
    expect(zisk?.deploy).toBeUndefined();
    expect(Object.keys(services)).not.toContain("ere-verify-ethrex-sp1");
  });

  it("only SP1 types: an empty services map, still a valid file", () => {
    const doc = buildVerifyOnlyCompose({ ...base, servers: [{ proofType: "reth-sp1", elfPath: "/x" }] });
    expect(parse(renderVerifyOnlyCompose(doc))).toEqual({ services: {} });
  });

  it("refuses names without a zkVM, duplicates, bad tags and an empty list", () => {
    expect(zkvmOfProofType("reth-zisk")).toBe("zisk");
    expect(zkvmOfProofType("eproof-reexec")).toBeUndefined();
    const build =
      (servers: { proofType: string; elfPath: string }[], ereVersion = "0.16.2") =>
      () =>
        buildVerifyOnlyCompose({ ...base, ereVersion, servers });
    expect(build([{ proofType: "eproof-reexec", elfPath: "/x" }])).toThrow(/does not name its zkVM/);
    expect(
      build([
        { proofType: "reth-zisk", elfPath: "/x" },
        { proofType: "reth-zisk", elfPath: "/y" },
      ]),
    ).toThrow(/twice/);
    expect(build([{ proofType: "reth-zisk", elfPath: "/x" }], "1.0;rm")).toThrow(/not an image tag/);
    expect(build([])).toThrow(/no proof types/);
  });
});
