#!/usr/bin/env bash
# Sign-in timing by username: a known username with a wrong password against an unknown username, in
# alternating rounds over HTTP on one server, so a difference would tell an attacker which usernames exist.
# Both must cost one argon2 verification. Lockout thresholds are raised for the run (every attempt fails).
# Knobs: BENCH_ROUNDS (default 60), HOSPITAL_BIN (default: the release build). Prints medians in ms.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${BENCH_ROUNDS:-60}"
target="${CARGO_TARGET_DIR:-target}"
[[ "$target" = /* ]] || target="$(pwd)/$target"
bin="${HOSPITAL_BIN:-$target/release/hospital}"
[ -n "${HOSPITAL_BIN:-}" ] || cargo build --release --locked -q -p hospital
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
export APP_DATA_DIR="$work" RUST_LOG=error APP_BIND="127.0.0.1:$port" \
    APP_LOGIN_MAX_FAILURES=1000000 APP_LOGIN_MAX_FAILURES_PER_ADDRESS=1000000
HOSPITAL_PASSWORD='Bench-password-2026' "$bin" user create --username timing-known --display-name 基准 --role ADMIN \
    --hospital HB1 --hospital-name 基准医院 >/dev/null
"$bin" serve & server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done

echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg), binary $bin"
attempt() {
    curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"Wrong-password-2026\"}" "http://127.0.0.1:$port/api/v1/auth/login"
}
median() { sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)] * 1000}'; }
attempt timing-known >/dev/null; attempt timing-nobody >/dev/null
: >"$work/known"; : >"$work/unknown"
# Which goes first alternates too, so neither pays more often for what the other left behind.
for i in $(seq "$rounds"); do
    if (( i % 2 )); then
        attempt timing-known >>"$work/known"; attempt timing-nobody >>"$work/unknown"
    else
        attempt timing-nobody >>"$work/unknown"; attempt timing-known >>"$work/known"
    fi
done
known=$(median <"$work/known"); unknown=$(median <"$work/unknown")
echo
echo "| username | median ms ($rounds alternating rounds) |"
echo "|---|---:|"
echo "| known (wrong password) | $known |"
echo "| unknown | $unknown |"
awk -v k="$known" -v u="$unknown" 'BEGIN {printf "\nunknown / known: %.2f\n", u / k}'
