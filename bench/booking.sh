#!/usr/bin/env bash
# Booking throughput, latency and overbooking over HTTP vs. the same transaction straight to the database.
# SQLite always; PostgreSQL when BENCH_POSTGRES_URL is set (a server URL, e.g. postgres://postgres@127.0.0.1:5432).
# Knobs: BENCH_SCHEDULES, BENCH_CAPACITY, BENCH_ATTEMPTS, BENCH_CONCURRENCY, BENCH_ROUNDS.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p hospital --example booking_bench
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
RUST_LOG=error ./target/release/examples/booking_bench
