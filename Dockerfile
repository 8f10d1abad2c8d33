# syntax=docker/dockerfile:1
# mlserver-ts container image:  docker build -t mlserver-ts .
# Runs `mlserver-ts start /mnt/models` as user 1000 (group 0): REST 8080, gRPC 8081 (KServe's
# runtime sets 9000 through MLSERVER_GRPC_PORT), metrics 8082. See the README, "Run on KServe".
ARG NODE_IMAGE=node:20-bookworm-slim

# Build: every dependency, compile the TypeScript, then keep the production dependencies only.
FROM ${NODE_IMAGE} AS build
WORKDIR /opt/mlserver-ts
# onnxruntime-node's CPU backend ships in its npm package; its install script would only fetch CUDA.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY server ./server
COPY runtimes ./runtimes
COPY protos ./protos
# onnxruntime-node ships every platform's binaries (~290 MB); keep this image's (~45 MB).
RUN npm run build \
    && npm prune --omit=dev --ignore-scripts \
    && find node_modules/onnxruntime-node/bin/napi-v6 -mindepth 2 -maxdepth 2 \
       ! -path "*/linux/$(node -p process.arch)" -exec rm -rf {} +

# Run: the compiled server, its production dependencies and the protos, read-only for the user.
FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="mlserver-ts" \
      org.opencontainers.image.description="Open Inference Protocol (KServe v2) server for Node.js: REST, SSE, gRPC" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    MLSERVER_HOST=0.0.0.0 \
    MLSERVER_HTTP_PORT=8080 \
    MLSERVER_GRPC_PORT=8081 \
    MLSERVER_METRICS_PORT=8082
WORKDIR /opt/mlserver-ts
COPY --from=build /opt/mlserver-ts/package.json ./
COPY --from=build /opt/mlserver-ts/node_modules ./node_modules
COPY --from=build /opt/mlserver-ts/dist ./dist
COPY --from=build /opt/mlserver-ts/protos ./protos
# TypeScript runtimes in a model folder (/mnt/models/…) `import … from 'mlserver-ts'`: Node looks
# for node_modules in every folder up to /, so this link makes the package resolvable from
# anywhere, without writing to the (read-only) model folder.
RUN mkdir -p /mnt/models /node_modules \
    && ln -s /opt/mlserver-ts /node_modules/mlserver-ts
USER 1000:0
EXPOSE 8080 8081 8082
# Node handles SIGTERM itself (readiness off, drain for shutdown_grace_period, exit 0): no shell
# in between. Give `docker stop --time` / terminationGracePeriodSeconds more than the drain.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.MLSERVER_HTTP_PORT || 8080) + '/v2/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/mlserver-ts/dist/server/cli.js"]
CMD ["start", "/mnt/models"]
