# syntax=docker/dockerfile:1
#
# Production image: the `hospital` server with the built web front end.
#   docker build -t hospital .
#   docker compose up --build        (see docker-compose.yml)

# ---------------------------------------------------------------- 1. web front end
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
# Dependencies first, so they stay cached while only the sources change.
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# ---------------------------------------------------------------- 2. server binary
FROM rust:1.95-bookworm AS backend
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY migration/ migration/
COPY backend/ backend/
COPY seeds/ seeds/
# The cache mounts keep the crate registry and the build directory between builds (BuildKit);
# the binary is copied out of the cached target directory, which is not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked -p hospital \
    && install -D -s -m 0755 target/release/hospital /out/hospital

# ---------------------------------------------------------------- 3. runtime
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 hospital \
    && useradd --system --uid 10001 --gid hospital --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin hospital
WORKDIR /app
COPY --from=backend /out/hospital /usr/local/bin/hospital
COPY --from=frontend /src/frontend/dist /app/frontend/dist
# data/ is the only place the server writes to (e.g. the embedded SQLite database when no
# DATABASE_URL is given); everything else stays owned by root and read-only for the service.
RUN mkdir -p /app/data && chown hospital:hospital /app/data
ENV APP_BIND=0.0.0.0:8080 \
    APP_STATIC_DIR=/app/frontend/dist \
    APP_DATA_DIR=/app/data
USER hospital
EXPOSE 8080
# The binary asks the server it runs beside; nothing else is needed in the image.
HEALTHCHECK --interval=10s --timeout=6s --start-period=60s --retries=3 CMD ["hospital", "health"]
# SIGTERM lets running requests finish (30 s) before the process ends.
STOPSIGNAL SIGTERM
CMD ["hospital", "serve"]
