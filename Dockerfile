# syntax=docker/dockerfile:1
# pocket-id-ldap-sync: built with dev dependencies, run with production dependencies only.
#
#   docker build -t pocket-id-ldap-sync:0.1.0 .
#   docker run --rm --env-file my.env -v pocket-id-data:/app/data pocket-id-ldap-sync:0.1.0 check
#
# The build stage runs scripts/build-production.sh; CI builds the same artifact with the same script
# and the same Node.js version (scripts/production-artifact.sh reads NODE_VERSION from this file) and
# runs `check`, `sync`, `run` and `healthcheck` with it: test/integration/package.test.ts.
# No secret is baked in: configuration comes only from the environment at run time.

# Node.js 22 LTS on Debian 12. better-sqlite3 12 and ldapts 8 support it.
ARG NODE_VERSION=22.23.3

FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 compiles its native module when no prebuilt binary matches this Node.js.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# Dependencies first, in their own layer: rebuilt only when package*.json change.
COPY package.json package-lock.json ./
COPY scripts/build-production.sh ./scripts/build-production.sh
RUN bash scripts/build-production.sh deps
COPY tsconfig.json ./
COPY src ./src
RUN bash scripts/build-production.sh app

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/pocket-id-ldap-sync
# Owned by root, read-only for the user the daemon runs as. Nothing is compiled here.
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
# Pocket ID's working directory: the default DB_CONNECTION_STRING (data/pocket-id.db) means
# /app/data/pocket-id.db here as in Pocket ID's image, where the shared volume is mounted.
RUN mkdir -p /app/data && chown 1000:1000 /app/data
WORKDIR /app
# Pocket ID's default PUID:PGID, so both can write the shared SQLite file, its WAL and -shm.
# (The node image's "node" user has these ids.)
USER 1000:1000
# /healthz, /readyz, /metrics (LDAP_SYNC_HTTP_PORT)
EXPOSE 9464
# Docker asks /readyz every 30 s. Not ready until the first sync has committed; the daemon
# retries a failed run after LDAP_SYNC_RETRY_DELAY (30 s), hence the start period.
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 \
  CMD ["node", "/opt/pocket-id-ldap-sync/dist/src/cli/main.js", "healthcheck"]
ENTRYPOINT ["node", "/opt/pocket-id-ldap-sync/dist/src/cli/main.js"]
CMD ["run"]
