# syntax=docker/dockerfile:1
# One image for the API (the default command) and the worker (`node dist/worker.js`).
# Multi-stage: build with dev dependencies, run with production dependencies only, as a non-root user.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig*.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
# MALLOC_MMAP_THRESHOLD_: buffers of 128 KiB and more (the analysis's columns) are mapped and given
# back to the system when freed; glibc's moving threshold otherwise keeps them in its heap.
ENV NODE_ENV=production \
    SGDOCTOR_DATA_ROOT=/data \
    MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# The bundled samples, for SGDOCTOR_DATA_ROOT=/app/samples; users' files are mounted at /data.
COPY --chown=node:node samples ./samples
RUN mkdir -p /data /home/node/.aws && chown node:node /data /home/node/.aws
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The API by default; the worker's container runs `node --min-semi-space-size=8 dist/worker.js` with `node dist/worker-health.js` as its health check.
CMD ["node", "dist/main.js"]
