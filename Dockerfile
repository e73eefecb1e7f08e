# syntax=docker/dockerfile:1
# fxa-gate container image: `make image` (docker build -t fxa-gate:dev .). Released images are built
# by .github/workflows/release.yaml for linux/amd64 and linux/arm64 and published as
# ghcr.io/fxa-gate/fxa-gate:<version>, with provenance and an SBOM.
#
#   build   official Node 24 image, all dependencies, compiles src/ into dist/
#   deps    official Node 24 image, production dependencies only
#   runtime distroless Node 24, non-root, no shell, no package manager: dist/ + production node_modules
#
# Only package*.json, the tsconfigs and src/ reach the build context (.dockerignore is an allow-list):
# no secrets, no tests, and never dev/ (the fake FxA is for tests and the demo only).
# Pin the base images by digest in the release pipeline (FROM image:tag@sha256:…).

ARG NODE_IMAGE=node:24-trixie-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian13:nonroot

# The compiled dist/ is plain JavaScript, the same on every architecture: a multi-arch build compiles
# it once, natively on the build machine. The production dependencies are installed for each target.
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production
# V8's heap, measured in docs/benchmarks.md (Memory): a 2 MiB semi-space keeps the young generation
# at 4 MiB instead of growing to 64 MiB under load (peak RSS -40 MiB, no loss per CPU second); the
# old-space cap is a guard against a leak, not a working limit (64 MiB halved the throughput).
ENV NODE_OPTIONS="--max-semi-space-size=2 --max-old-space-size=128"
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The distroless `nonroot` user, numeric so that Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
# Main listener (login, forward-auth, sidecar proxy) and admin listener (healthz, readyz, metrics).
EXPOSE 4180 9180
# No HEALTHCHECK: the image has no shell or curl. Kubernetes probes GET /healthz and /readyz on the
# admin port (9180); elsewhere, check that port from outside the container.
# node is PID 1 and receives SIGTERM itself (no npm or shell in between); fxa-gate handles it.
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/main.js"]
CMD ["serve"]
