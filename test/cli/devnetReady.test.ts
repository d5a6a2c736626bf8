// `eproof devnet` as a starting point (issue 17, point 7): once up it prints every URL a user needs next
// (beacon, execution RPC and Engine, each eproof node's API and dashboard, the gateway, p2p multiaddrs,
// each node's config file) and whether the data dir goes away on exit.
import { describe, expect, it } from "vitest";
import { readyLines } from "../../src/cli/commands/devnet.ts";

describe("devnet ready lines", () => {
  it("name every URL, multiaddr and config file", () => {
    const lines = readyLines({
      dashboardUrl: "http://127.0.0.1:40001/dashboard",
      beaconUrl: "http://127.0.0.1:5052",
      rpcUrl: "http://127.0.0.1:8545",
      engineUrl: "http://127.0.0.1:8551",
      dataDir: "/tmp/eproof-devnet-x",
      removeDataDir: true,
      nodes: [
        {
          index: 0,
          role: "prover",
          apiUrl: "http://127.0.0.1:40001",
          gatewayUrl: "http://127.0.0.1:40002",
          multiaddrs: ["/ip4/127.0.0.1/tcp/40003/p2p/16Uiu2HAm"],
          configFile: "/tmp/eproof-devnet-x/eproof-0/eproof.yaml",
        },
        {
          index: 1,
          role: "verifier",
          apiUrl: "http://127.0.0.1:40004",
          multiaddrs: ["/ip4/127.0.0.1/tcp/40005/p2p/16Uiu2HAn"],
          configFile: "/tmp/eproof-devnet-x/eproof-1/eproof.yaml",
        },
      ],
    });
    const text = lines.join("\n");
    for (const want of [
      "beacon node     http://127.0.0.1:5052",
      "execution RPC   http://127.0.0.1:8545",
      "http://127.0.0.1:8551",
      "eproof 0 (prover)  API http://127.0.0.1:40001  dashboard http://127.0.0.1:40001/dashboard",
      "Engine API gateway http://127.0.0.1:40002",
      "p2p /ip4/127.0.0.1/tcp/40003/p2p/16Uiu2HAm",
      "config /tmp/eproof-devnet-x/eproof-0/eproof.yaml",
      "eproof 1 (verifier)  API http://127.0.0.1:40004",
      "config /tmp/eproof-devnet-x/eproof-1/eproof.yaml",
      "data in /tmp/eproof-devnet-x (removed on exit; --keep keeps it)",
    ])
      expect(text).toContain(want);
    expect(lines.at(-1)).toContain("Ctrl-C stops everything");
  });
});
