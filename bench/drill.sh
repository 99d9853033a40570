#!/usr/bin/env bash
# Drill-down latency over HTTP on PostgreSQL, end to end: the release server on a database holding the demo
# data and BENCH_ROWS generated charge lines of 2026-06 (default 10,000,000), one calculation of 2026-06 run
# through the API, then every drillable cell of its results (each department × CHARGE leaf, every tenth for
# the whole hospital) drilled BENCH_PASSES times (default 5) over one keep-alive connection, page 1 of 20 sorted
# by amount. Prints p50 / p99 / max of the calls. BENCH_POSTGRES_URL (a server URL) is required;
# BENCH_DATABASE names a database that already holds such data (it is then neither created nor dropped).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
cargo build --release --locked -q -p hospital --bin hospital
bin="$(release_dir)/hospital"
pg="${BENCH_POSTGRES_URL:?a PostgreSQL server URL, e.g. postgres://postgres@127.0.0.1:5432}"
rows="${BENCH_ROWS:-10000000}"
server=""
export RUST_LOG=error JWT_SECRET=bench-secret-that-is-at-least-32-characters
if [[ -n "${BENCH_DATABASE:-}" ]]; then
    db="$BENCH_DATABASE"
    trap '[[ -n "$server" ]] && kill "$server" 2>/dev/null' EXIT
else
    db=bench_drill
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
    trap '[[ -n "$server" ]] && kill "$server" 2>/dev/null; psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
    DATABASE_URL="$pg/$db" "$bin" seed >/dev/null
    DATABASE_URL="$pg/$db" "$bin" seed --charges "$rows" --period 2026-06 --seed 7 >/dev/null
fi
machine
echo "$(psql "$pg/$db" -Atc "SELECT COUNT(*) FROM charge_details WHERE period = '2026-06'") charge lines in 2026-06"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATABASE_URL="$pg/$db" APP_BIND="127.0.0.1:$port" APP_RATE_LIMIT_PER_SECOND=0 "$bin" serve >/dev/null 2>&1 &
server=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done
python3 - "$port" "${BENCH_PASSES:-5}" <<'PY'
import http.client, json, statistics, sys, time

port, passes = sys.argv[1], int(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", int(port))

def call(method, path, token=None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, "/api/v1" + path, body=None if body is None else json.dumps(body), headers=headers)
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        raise SystemExit(f"{method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data or b"null")

token = call("POST", "/auth/login", body={"username": "analyst", "password": "demo-pass-2026"})["access_token"]
task = call("POST", "/calculation-tasks", token, {"period": "2026-06"})
started = time.time()
while task["status"] in ("PENDING", "RUNNING", "QUEUED"):
    time.sleep(1)
    task = call("GET", f"/calculation-tasks/{task['id']}", token)
if task["status"] != "SUCCEEDED":
    raise SystemExit(f"task {task['id']} ended {task['status']}: {task.get('error')}")
print(f"task {task['id']}: {time.time() - started:.0f} s, details: {task['has_details']}")
matrix = call("GET", f"/calculation-tasks/{task['id']}/results", token)
charge = {n["id"] for n in matrix["nodes"] if n.get("kind") == "CHARGE"}
cells = sorted({(c["department_id"], c["node_id"]) for c in matrix["cells"] if c["node_id"] in charge})
times = []
for p in range(passes):
    for i, (dept, node) in enumerate(cells):
        who = "all" if i % 10 == 9 else dept
        t0 = time.perf_counter()
        call("GET", f"/calculation-tasks/{task['id']}/drill-down?department_id={who}&node_id={node}", token)
        times.append((time.perf_counter() - t0) * 1000)
times.sort()
q = statistics.quantiles(times, n=100)
print(f"{len(cells)} cells × {passes} passes = {len(times)} calls: p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms, max {times[-1]:.1f} ms")
PY
