#!/usr/bin/env bash
# What of the deployment can be checked without a Docker engine: docker-compose.yml against the Compose
# schema (docker-compose's validator), and the Dockerfile's build steps run as a script on this machine
# (the web app's build, the release binary stripped as the image installs it), then the stripped binary
# serving the built web app and answering its own health check, as the image's HEALTHCHECK does.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d)"
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

echo "==> docker-compose.yml"
if ! command -v docker-compose >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
    else
        echo "docker-compose (the validator) is missing: sudo apt-get install docker-compose" >&2
        exit 1
    fi
fi
# The secret files the compose file names, as an operator creates them.
mkdir -p "$work/compose/secrets"
cp docker-compose.yml "$work/compose/"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/compose/secrets/jwt_secret"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/compose/secrets/db_password"
(cd "$work/compose" && docker-compose config -q && docker-compose --profile demo config -q)
grep -q 'APP_DEMO' docker-compose.yml && { echo "docker-compose.yml must not set APP_DEMO" >&2; exit 1; }

echo "==> the image's build steps"
# Stage 1: the web front end (npm ci, npm run build).
make -s spa
# Stage 2: the release binary, installed stripped (install -s).
cargo build --release --locked -p hospital
install -D -s -m 0755 "$target/release/hospital" "$work/image/usr/local/bin/hospital"
ls -l "$target/release/hospital" "$work/image/usr/local/bin/hospital" | awk '{print $5, $9}'
# Stage 3: the runtime's settings (APP_BIND, APP_STATIC_DIR, APP_DATA_DIR) and its CMD and HEALTHCHECK.
mkdir -p "$work/image/app/data"
cp -r frontend/dist "$work/image/app/frontend-dist"
port=$(( 20000 + RANDOM % 20000 ))
export APP_BIND="127.0.0.1:$port" APP_STATIC_DIR="$work/image/app/frontend-dist" \
    APP_DATA_DIR="$work/image/app/data" RUST_LOG=warn APP_LOG_FORMAT=json
unset DATABASE_URL JWT_SECRET
"$work/image/usr/local/bin/hospital" serve & server=$!
for _ in $(seq 60); do
    "$work/image/usr/local/bin/hospital" health >/dev/null 2>&1 && break
    sleep 1
done
"$work/image/usr/local/bin/hospital" health
curl -fsS "http://127.0.0.1:$port/" | grep -q '<div id="app">' \
    || { echo "the built web app is not served" >&2; exit 1; }
echo "deployment checks passed"
