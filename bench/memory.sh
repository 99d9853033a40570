#!/usr/bin/env bash
# The server's resident memory through a morning of visits (backend/examples/flow_bench.rs): the release binary on
# SQLite, eight clients taking BENCH_VISITS patients (default 600) from booking to payment over HTTP. Each round
# runs the server as built (it starts itself with its malloc settings) and, beside it, with glibc's own defaults
# (GLIBC_TUNABLES set empty), alternating which goes first. Knobs: BENCH_VISITS, BENCH_ROUNDS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
cargo build --release --locked -q -p hospital --bin hospital --example flow_bench
release="$(release_dir)"
rounds="${BENCH_ROUNDS:-3}"
visits="${BENCH_VISITS:-600}"
machine
echo "| malloc | visits | seconds | RSS started MiB | RSS after the visits MiB | RSS 10 s later MiB | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for r in $(seq "$rounds"); do
    for side in $( ((r % 2)) && echo "server glibc" || echo "glibc server"); do
        if [[ "$side" = server ]]; then
            echo -n "| the server's "
            env -u GLIBC_TUNABLES RUST_LOG=error "$release/examples/flow_bench" "$release/hospital" "$visits"
        else
            echo -n "| glibc's defaults "
            GLIBC_TUNABLES= RUST_LOG=error "$release/examples/flow_bench" "$release/hospital" "$visits"
        fi
    done
done
