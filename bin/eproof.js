#!/usr/bin/env node
// eproof runs TypeScript sources directly through Node 24's type stripping.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 23 || (major === 23 && minor < 6)) {
  process.stderr.write(
    `eproof needs Node 24 (found ${process.version}). Run it through npm (npm start, npx eproof), ` +
      "which puts the Node 24 from node_modules/.bin first on PATH.\n",
  );
  process.exit(1);
}
// The local devnet (Lodestar dev) runs the minimal preset, which @lodestar/params reads once at start-up.
if (process.argv[2] === "devnet" && !process.env.LODESTAR_PRESET) process.env.LODESTAR_PRESET = "minimal";
await import("../src/cli/main.ts");
