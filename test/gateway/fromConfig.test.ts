import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/loader.ts";
import { apiOptsFromConfig, gatewayOptsFromConfig } from "../../src/gateway/fromConfig.ts";
import { ProofTypeTable } from "../../src/spec/proofTypes.ts";

describe("config → API / gateway options", () => {
  it("defaults to loopback listeners on 9500 / 9551 and resolves named proof types", () => {
    const table = new ProofTypeTable();
    const config = loadConfig({
      flags: {
        "gateway.k": "2",
        "gateway.mode": "proofs-only",
        "gateway.upstreamUrl": "http://127.0.0.1:8551",
      },
    });
    config.gateway.allowedProofTypes = ["reth-zisk", 5];
    const gw = gatewayOptsFromConfig(config, table);
    expect(gw).toMatchObject({
      host: "127.0.0.1",
      port: 9551,
      k: 2,
      mode: "proofs-only",
      allowedProofTypes: [6, 5],
    });
    expect(gw.upstream?.url).toBe("http://127.0.0.1:8551");
    const api = apiOptsFromConfig(config, table);
    expect(api).toMatchObject({
      host: "127.0.0.1",
      port: 9500,
      corsOrigins: [],
      k: 2,
      allowedProofTypes: [6, 5],
    });
    config.gateway.allowedProofTypes = ["no-such-type"];
    expect(() => gatewayOptsFromConfig(config, table)).toThrow(/unknown proof type/);
  });
});
