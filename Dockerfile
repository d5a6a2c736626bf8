# eproof container image. Same install as the README (`npm install`, then run eproof through Node 24's
# type stripping); a build stage with compilers for native modules, a slim non-root runtime stage.

FROM node:24-slim AS build
WORKDIR /app
# Compilers only for native modules without a prebuilt binary for this platform (classic-level, blst).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# npm install's postinstall applies patches/ (patch-package) to @ethereumjs: they must be there first.
COPY patches ./patches
RUN npm install --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY config ./config
COPY tsconfig.json ./
# Test and lint tools are not needed at run time.
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    EPROOF_DATA_DIR=/data \
    EPROOF_API_HOST=0.0.0.0 \
    EPROOF_API_PORT=9500 \
    EPROOF_P2P_LISTEN=/ip4/0.0.0.0/tcp/9400
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# The image's `node` user (uid 1000) runs eproof and owns only its data volume.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# 9500 API (/health, /metrics, /dashboard, proof-engine API); 9400 libp2p; 9401/udp discv5; 9551 gateway.
EXPOSE 9500 9400 9401/udp 9551
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.EPROOF_API_PORT || '9500') + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/eproof.js"]
CMD ["run"]
