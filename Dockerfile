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
# The official image node:22.23.3-bookworm-slim, pinned by the digest of its multi-arch index
# (linux/amd64, linux/arm64, ...), so a re-pushed tag cannot change what is built. The digest is the
# one public projects recorded for this tag on 2026-10-09; it could not be checked from the machine
# this was written on (no registry access). Bump NODE_VERSION and the digest together:
#   docker buildx imagetools inspect node:<version>-bookworm-slim   (the "Digest:" line)
ARG NODE_IMAGE=node:${NODE_VERSION}-bookworm-slim@sha256:c3de60bf2f9dd0ac6370e6117950ff62d6e339527e7472301c9c78a017978392

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles its native module when no prebuilt binary matches this Node.js.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# Dependencies first, in their own layer: rebuilt only when package*.json change.
COPY package.json package-lock.json ./
COPY scripts/build-production.sh ./scripts/build-production.sh
RUN bash scripts/build-production.sh deps
COPY scripts/healthcheck.sh ./scripts/healthcheck.sh
COPY tsconfig.json ./
COPY src ./src
RUN bash scripts/build-production.sh app

FROM ${NODE_IMAGE}
ARG NODE_VERSION
# Set by .github/workflows/release.yml (the git tag and commit); "dev" for a local build.
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="pocket-id-ldap-sync" \
      org.opencontainers.image.description="Syncs users, groups, memberships and admin flags from LDAP into Pocket ID's database" \
      org.opencontainers.image.source="https://github.com/pocket-id-ldap-sync/pocket-id-ldap-sync" \
      org.opencontainers.image.documentation="https://github.com/pocket-id-ldap-sync/pocket-id-ldap-sync#readme" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:${NODE_VERSION}-bookworm-slim"
ENV NODE_ENV=production
# The daemon needs only node: the package managers the base image ships (npm, npx, corepack,
# yarn) go, with the files they would have run from. Then the CLI on PATH.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-v* \
 && mkdir -p /app/data && chown 1000:1000 /app/data
WORKDIR /opt/pocket-id-ldap-sync
# Owned by root, read-only for the user the daemon runs as. Nothing is compiled here.
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
COPY --from=build /build/scripts/healthcheck.sh ./scripts/healthcheck.sh
RUN chmod 755 dist/src/cli/main.js && ln -s /opt/pocket-id-ldap-sync/dist/src/cli/main.js /usr/local/bin/pocket-id-ldap-sync
# Pocket ID's working directory: the default DB_CONNECTION_STRING (data/pocket-id.db) means
# /app/data/pocket-id.db here as in Pocket ID's image, where the shared volume is mounted (created,
# owned by 1000, above).
WORKDIR /app
# Pocket ID's default PUID:PGID, so both can write the shared SQLite file, its WAL and -shm.
# (The node image's "node" user has these ids.)
USER 1000:1000
# /healthz, /readyz, /metrics (LDAP_SYNC_HTTP_PORT)
EXPOSE 9474
# Docker asks /readyz every 30 s. Not ready until the first sync has committed; the daemon
# retries a failed run after LDAP_SYNC_RETRY_DELAY (30 s), hence the start period. healthcheck.sh
# is bash alone (the base image's /bin/bash and its /dev/tcp): about 4 MB and a few ms per call,
# where any Node.js start costs 43 MB (docs/verification.md). `pocket-id-ldap-sync healthcheck`
# prints the same line.
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 \
  CMD ["bash", "/opt/pocket-id-ldap-sync/scripts/healthcheck.sh"]
# Node reads the container's memory limit (cgroup v1 or v2) and by itself gives its heap about half
# of it (259 MiB in a 512 MiB container, measured), so the heap could run out while the container
# still has room. The daemon's heap gets three quarters instead (780 MiB in a 1 GiB container); the
# rest is for Node itself, buffers and SQLite. docs/sizing.md
# --expose-gc: the daemon collects each run's garbage right after it, while it idles, instead of
# leaving it to the next run (src/service/idle-collect.ts).
ENTRYPOINT ["node", "--max-old-space-size-percentage=75", "--expose-gc", "/opt/pocket-id-ldap-sync/dist/src/cli/main.js"]
CMD ["run"]
