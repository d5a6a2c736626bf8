// Where the devnet-only tools live: devnet/node_modules (a separate npm package, installed by
// scripts/devnet-setup.sh), with the Node 20 binary that Lodestar 1.5.1's native blst binding needs.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { EproofError } from "../util/errors.ts";

export const DEVNET_SETUP_COMMAND = "bash scripts/devnet-setup.sh";

export interface DevnetTools {
  devnetDir: string;
  /** Node 20 from the `node` npm package (never the project's Node 24). */
  node20: string;
  lodestarBin: string;
  ethereumjsBin: string;
  /** Preloads: Promise.withResolvers for Lodestar; parent watchdog + loopback guard for both nodes. */
  polyfillPreload: string;
  childGuardPreload: string;
}

/** devnet/ at the repository root, next to src/. */
export function defaultDevnetDir(): string {
  return resolve(import.meta.dirname, "../../devnet");
}

export function locateDevnetTools(devnetDir: string = defaultDevnetDir()): DevnetTools | undefined {
  const tools: DevnetTools = {
    devnetDir,
    node20: join(devnetDir, "node_modules/node/bin/node"),
    lodestarBin: join(devnetDir, "node_modules/.bin/lodestar"),
    ethereumjsBin: join(devnetDir, "node_modules/.bin/ethereumjs"),
    polyfillPreload: join(devnetDir, "polyfill.cjs"),
    childGuardPreload: join(devnetDir, "childGuard.cjs"),
  };
  const all = [
    tools.node20,
    tools.lodestarBin,
    tools.ethereumjsBin,
    tools.polyfillPreload,
    tools.childGuardPreload,
  ];
  return all.every((p) => existsSync(p)) ? tools : undefined;
}

export function requireDevnetTools(devnetDir?: string): DevnetTools {
  const tools = locateDevnetTools(devnetDir);
  if (tools === undefined) {
    throw new EproofError(
      "BAD_CONFIG",
      `devnet tools (Lodestar, EthereumJS client, Node 20) are not installed; run \`${DEVNET_SETUP_COMMAND}\``,
    );
  }
  return tools;
}
