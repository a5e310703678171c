# syntax=docker/dockerfile:1
# The ecoute image: one static-ish binary (templates, assets and migrations are compiled in)
# and the default tenant files, on distroless (glibc, CA certificates, no shell), as non-root.
#
#   docker build -t ecoute:0.1.0 .
#   docker run --rm -e DATABASE_URL=postgres://… ecoute:0.1.0 migrate
#
# Builder and runtime must share a Debian release (the binary links the builder's glibc).
ARG RUST_VERSION=1.95
ARG DEBIAN=bookworm
ARG DISTROLESS=debian12

FROM rust:${RUST_VERSION}-slim-${DEBIAN} AS builder
WORKDIR /src
COPY . .
# The registry and the target folder live in BuildKit caches, so a rebuild after a change
# recompiles only ecoute itself. The binary is copied out of the cache in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin ecoute \
    && install -D -m 0755 target/release/ecoute /out/ecoute

FROM gcr.io/distroless/cc-${DISTROLESS}:nonroot
LABEL org.opencontainers.image.title="ecoute" \
      org.opencontainers.image.description="La Caf à votre écoute: multi-tenant participation platform" \
      org.opencontainers.image.licenses="MIT"
COPY --from=builder /out/ecoute /usr/local/bin/ecoute
# Defaults for `ecoute tenants sync`; the Helm chart mounts its own ConfigMap over them.
COPY tenants/ /etc/ecoute/tenants/
ENV ECOUTE_LISTEN=0.0.0.0:8080 \
    ECOUTE_TENANTS_DIR=/etc/ecoute/tenants \
    RUST_LOG=info
# 65532 is distroless's `nonroot`; the chart runs as the same numeric user.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/ecoute"]
CMD ["serve"]
