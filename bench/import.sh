#!/usr/bin/env bash
# Charge import throughput and peak memory on SQLite, through the CLI as an operator runs it:
# `hospital seed --charges N --csv` writes a file in the import layout, then each round copies a fresh database
# holding the demo departments and catalogue and runs `hospital import charges` on it under /usr/bin/time -v
# (max RSS = peak memory of the whole process), then imports the same file again (every line already present).
# Also times `hospital seed --charges N` straight into the database (the generator on the same insert path).
# Knobs: BENCH_SIZES (default "100000 1000000"), BENCH_ROUNDS (default 3). Prints a Markdown table of medians.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${BENCH_SIZES:-100000 1000000}"
rounds="${BENCH_ROUNDS:-3}"
cargo build --release --locked -q -p hospital
target="${CARGO_TARGET_DIR:-target}"
[[ "$target" = /* ]] || target="$(pwd)/$target"
bin="$target/release/hospital"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export RUST_LOG=error

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
APP_DATA_DIR="$work/base" "$bin" seed >/dev/null

# Runs the command under /usr/bin/time; prints "<seconds> <max RSS KiB>".
measure() {
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null
    cat "$work/time"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo
echo "| rows | file MiB | import s | import rows/s | peak RSS MiB | re-import s | seed into DB rows/s |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in $sizes; do
    csv="$work/charges-$n.csv"
    APP_DATA_DIR="$work/base" "$bin" seed --charges "$n" --period 2026-03 --seed 1 --csv "$csv" >/dev/null
    : >"$work/import" ; : >"$work/rss" ; : >"$work/again" ; : >"$work/seed"
    for _ in $(seq "$rounds"); do
        rm -rf "$work/run" && cp -r "$work/base" "$work/run"
        read -r secs rss < <(APP_DATA_DIR="$work/run" measure "$bin" import charges "$csv" --hospital H001)
        echo "$secs" >>"$work/import"; echo "$rss" >>"$work/rss"
        read -r secs _ < <(APP_DATA_DIR="$work/run" measure "$bin" import charges "$csv" --hospital H001)
        echo "$secs" >>"$work/again"
        rm -rf "$work/run" && cp -r "$work/base" "$work/run"
        read -r secs _ < <(APP_DATA_DIR="$work/run" measure "$bin" seed --charges "$n" --period 2026-03 --seed 1)
        echo "$secs" >>"$work/seed"
    done
    imp=$(median <"$work/import"); rss=$(median <"$work/rss"); again=$(median <"$work/again"); seed=$(median <"$work/seed")
    awk -v n="$n" -v mib="$(stat -c %s "$csv")" -v imp="$imp" -v rss="$rss" -v again="$again" -v seed="$seed" 'BEGIN {
        printf "| %d | %.1f | %.2f | %.0f | %.0f | %.2f | %.0f |\n", n, mib / 1048576, imp, n / imp, rss / 1024, again, n / seed
    }'
done
