#!/usr/bin/env bash
# The SQL statements a visit's requests cost (backend/examples/flow_bench.rs, `statements` mode): the release server
# on SQLite, BENCH_VISITS patients (default 100) taken one at a time from booking to payment over HTTP, the
# server's own count of statements read from /metrics around each request; medians over the visits after the first.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
cargo build --release --locked -q -p hospital --bin hospital --example flow_bench
release="$(release_dir)"
machine
"$release/examples/flow_bench" "$release/hospital" "${BENCH_VISITS:-100}" statements
