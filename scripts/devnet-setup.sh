#!/usr/bin/env bash
# Installs the devnet-only tools (Lodestar 1.5.1, EthereumJS client 0.10.5 and the Node 20 that Lodestar's
# blst binary needs) into devnet/node_modules, from devnet/package-lock.json. Idempotent: when the installed
# tree matches the lockfile it returns at once. They never become eproof runtime dependencies.
set -euo pipefail
devnet_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../devnet" && pwd)"
cd "$devnet_dir"

stamp="node_modules/.eproof-devnet-installed"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"

installed() {
  [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] &&
    [[ -x node_modules/node/bin/node && -e node_modules/.bin/lodestar && -e node_modules/.bin/ethereumjs ]]
}

if installed; then
  echo "devnet tools already installed ($devnet_dir/node_modules)"
  exit 0
fi

# One setup at a time (npm start and a test run may race on a fresh machine).
exec 9>"$devnet_dir/.setup.lock"
flock 9
if installed; then
  echo "devnet tools already installed ($devnet_dir/node_modules)"
  exit 0
fi

echo "installing devnet tools into $devnet_dir/node_modules (first run only, a few minutes)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
# Node 20 first, then every other install script: npm puts devnet/node_modules/.bin (now holding Node 20)
# first on PATH for them, so native addons (blst, bcrypto, classic-level...) are chosen or built for Node 20.
npm rebuild node --loglevel=error
npm rebuild --loglevel=error
if ! node_modules/node/bin/node --version | grep -q '^v20\.'; then
  echo "devnet setup: node_modules/node/bin/node is not Node 20" >&2
  exit 1
fi
echo "$want" > "$stamp"
echo "devnet tools installed"
