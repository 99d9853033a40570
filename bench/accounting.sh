#!/usr/bin/env bash
# The accounting pipeline step by step beside the same steps as hand-written SQL (same process, same rounds),
# and drill-down latency from calculation_details and from charge_details.
# SQLite always (BENCH_SQLITE_ROWS charge lines, default 1,000,000); PostgreSQL when BENCH_POSTGRES_URL names a
# server (e.g. postgres://postgres@127.0.0.1:5432; BENCH_POSTGRES_ROWS, default 10,000,000).
# Knobs: BENCH_ROUNDS (default 3), BENCH_PERIOD (default 2026-06); BENCH_SQLITE_ROWS=0 skips SQLite;
# BENCH_DATABASE names a PostgreSQL database that already holds the demo data and the period's lines (it is then
# neither generated nor dropped).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p hospital --bin hospital --example accounting_bench
bin=${CARGO_TARGET_DIR:-target}/release
period=${BENCH_PERIOD:-2026-06}
rounds=${BENCH_ROUNDS:-3}
export JWT_SECRET=bench-secret-that-is-at-least-32-characters RUST_LOG=error
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"

fill() { # url rows
  DATABASE_URL="$1" "$bin/hospital" seed > /dev/null
  local started=$SECONDS
  DATABASE_URL="$1" "$bin/hospital" seed --charges "$2" --period "$period" --seed 7 > /dev/null
  echo "generated $2 charge lines in $((SECONDS - started)) s"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ "${BENCH_SQLITE_ROWS:-1000000}" != 0 ]]; then
  url="sqlite://$work/bench.db?mode=rwc"
  fill "$url" "${BENCH_SQLITE_ROWS:-1000000}"
  "$bin/examples/accounting_bench" "$url" "$period" "$rounds"
fi

if [[ -n "${BENCH_POSTGRES_URL:-}" ]]; then
  db=${BENCH_DATABASE:-bench_accounting}
  if [[ -z "${BENCH_DATABASE:-}" ]]; then
    psql "$BENCH_POSTGRES_URL/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    fill "$BENCH_POSTGRES_URL/$db" "${BENCH_POSTGRES_ROWS:-10000000}"
  fi
  "$bin/examples/accounting_bench" "$BENCH_POSTGRES_URL/$db" "$period" "$rounds"
  [[ -n "${BENCH_DATABASE:-}" ]] || psql "$BENCH_POSTGRES_URL/postgres" -qc "DROP DATABASE $db"
fi
