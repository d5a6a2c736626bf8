#!/usr/bin/env bash
# Installs what the tests need beyond npm: Debian's chromium (dashboard end-to-end test), prometheus
# (promtool checks the Grafana queries) and docker-compose (compose files), and the devnet's own npm
# packages. Idempotent and quick when
# everything is there. Set EPROOF_TEST_NO_APT=1 to leave system packages alone (those tests then say
# they were skipped and why).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# The compose files are validated with the compose CLI (Debian 12 ships the standalone docker-compose).
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "${EPROOF_TEST_NO_APT:-0}" != "1" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-setup: installing ${need[*]} from Debian (once)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "test-setup: ${need[*]} missing and not installable here; the tests that need them will be skipped"
  fi
fi

if [ -f scripts/devnet-setup.sh ]; then
  bash scripts/devnet-setup.sh
fi
