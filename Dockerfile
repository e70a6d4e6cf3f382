# syntax=docker/dockerfile:1
# pg-mcp in HTTP mode. Stage 1 compiles it with the official Deno image and the same permission
# flags as `deno task start`; stage 2 runs the binary alone, as a non-root user, on a minimal glibc
# image (no shell, no package manager).
#   docker build -t pg-mcp .
#   docker run --rm -p 127.0.0.1:8000:8000 -e DATABASE_URL=... -e MCP_HTTP_AUTH_TOKEN=... pg-mcp
ARG DENO_VERSION=2.9.6

FROM denoland/deno:${DENO_VERSION} AS build
WORKDIR /src
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY main.ts ./
COPY src/ src/
COPY scripts/ scripts/
RUN flags="$(deno run --allow-read=. scripts/print_permission_flags.ts)" \
  && deno compile $flags --output /out/pg-mcp main.ts

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/pg-mcp /usr/local/bin/pg-mcp
# An empty working directory: no .env to read; golden examples can be mounted at /app/examples.
WORKDIR /app
# Listens on all interfaces of the container: publish the port to 127.0.0.1 on the host, or set
# MCP_HTTP_AUTH_TOKEN. Metrics on 9090.
ENV MCP_TRANSPORT=http \
    MCP_HTTP_HOST=0.0.0.0 \
    MCP_HTTP_PORT=8000 \
    OBSERVABILITY_METRICS_PORT=9090 \
    OBSERVABILITY_LOG_FORMAT=json
EXPOSE 8000 9090
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/pg-mcp"]
