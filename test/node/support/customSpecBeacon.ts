// A front for BeaconTestServer that makes it a "custom" network: it answers /eth/v1/config/spec (full
// mainnet-preset spec, every fork up to fulu at epoch 0) and /eth/v1/beacon/genesis itself and forwards
// everything else (blocks, SSE events) over HTTP to the test server behind it.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ChainConfig, chainConfigToJson, createChainForkConfig } from "@lodestar/config";
import { mainnetChainConfig } from "@lodestar/config/networks";

export const CUSTOM_GENESIS_TIME = 1_700_000_000;
export const CUSTOM_GVR = new Uint8Array(32).fill(0x42);

export function customChainConfig(chainId: number): ChainConfig {
  return {
    ...mainnetChainConfig,
    CONFIG_NAME: "eproof-test",
    DEPOSIT_CHAIN_ID: chainId,
    ALTAIR_FORK_EPOCH: 0,
    BELLATRIX_FORK_EPOCH: 0,
    CAPELLA_FORK_EPOCH: 0,
    DENEB_FORK_EPOCH: 0,
    ELECTRA_FORK_EPOCH: 0,
    FULU_FORK_EPOCH: 0,
  };
}

export const customForkConfig = (chainId: number) => createChainForkConfig(customChainConfig(chainId));

export class CustomSpecBeacon {
  url = "";
  private server?: Server;
  private readonly upstream: () => string;
  private readonly chainId: number;

  /** `upstream` is read per request (the test server may start after this front). */
  constructor(upstream: () => string, chainId: number) {
    this.upstream = upstream;
    this.chainId = chainId;
  }

  async start(): Promise<void> {
    const specJson = chainConfigToJson(customChainConfig(this.chainId));
    const spec: Record<string, unknown> = { ...specJson, PRESET_BASE: "mainnet" };
    const genesis = {
      genesis_time: String(CUSTOM_GENESIS_TIME),
      genesis_validators_root: `0x${Buffer.from(CUSTOM_GVR).toString("hex")}`,
      genesis_fork_version: specJson.GENESIS_FORK_VERSION,
    };
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const local =
        path === "/eth/v1/config/spec" ? spec : path === "/eth/v1/beacon/genesis" ? genesis : null;
      if (local) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ data: local }));
        return;
      }
      const target = new URL(req.url ?? "/", this.upstream());
      const fwd = request(target, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        res.flushHeaders();
        up.pipe(res);
      });
      fwd.on("error", () => res.destroy());
      res.on("close", () => fwd.destroy());
      req.pipe(fwd);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const addr = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${addr.port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
