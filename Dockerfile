# The edgeway agent image: `edgeway agent` in a cluster (deploy/). Node 20, production dependencies only, non-root.
# The agent runs its TypeScript through tsx (a production dependency), so there is no build step; the worker and the
# wasm build are not part of this image (the agent compiles route tables in TypeScript).
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds the wasm matcher with dev tools the agent does not need.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY schema ./schema
COPY sync-agent/src ./sync-agent/src
COPY wasm-matcher/src ./wasm-matcher/src
# The image's `node` user (uid 1000); numeric so that runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "bin/edgeway.mjs"]
CMD ["agent"]
