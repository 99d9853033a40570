#!/usr/bin/env bash
# PREPARE on SQLite right after a large import made while the server runs: a fresh database with the demo data,
# the release server started on it and one calculation of the empty period run (the statistics then describe a
# small table, as they do in a hospital that ran last month's tasks), BENCH_ROWS charge lines (default
# 1,000,000) imported through the command line (another process) while the server runs, then BENCH_TASKS
# calculations (default 10) of that period run one after another through the API. Prints each task's PREPARE and whole-run times from the task's own log, and the
# size of the write-ahead log when each starts. Knobs: BENCH_ROWS, BENCH_TASKS, BENCH_BIN (a server binary to
# measure instead of this tree's release build, say one built from an earlier commit).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
if [[ -n "${BENCH_BIN:-}" ]]; then
    bin="$BENCH_BIN"
else
    cargo build --release --locked -q -p hospital --bin hospital
    bin="$(release_dir)/hospital"
fi
rows="${BENCH_ROWS:-1000000}"
tasks="${BENCH_TASKS:-10}"
work="$(mktemp -d)"
server=""
trap '[[ -n "$server" ]] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
export RUST_LOG=error JWT_SECRET=bench-secret-that-is-at-least-32-characters APP_DATA_DIR="$work/data"
machine
"$bin" seed >/dev/null
"$bin" seed --charges "$rows" --period 2026-03 --seed 1 --csv "$work/charges.csv" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
APP_BIND="127.0.0.1:$port" APP_RATE_LIMIT_PER_SECOND=0 "$bin" serve >/dev/null 2>&1 &
server=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done
cat > "$work/tasks.py" <<'PY'
import glob, json, os, re, sys, time, urllib.request

port, tasks, data, first = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
base = f"http://127.0.0.1:{port}/api/v1"

def call(method, path, token=None, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")

def wal_mib():
    return sum(os.path.getsize(p) for p in glob.glob(os.path.join(data, "*-wal"))) / 1048576

token = call("POST", "/auth/login", body={"username": "analyst", "password": "demo-pass-2026"})["access_token"]
for n in range(first, first + tasks):
    wal = wal_mib()
    task = call("POST", "/calculation-tasks", token, {"period": "2026-03"})
    while task["status"] in ("PENDING", "RUNNING", "QUEUED"):
        time.sleep(0.5)
        task = call("GET", f"/calculation-tasks/{task['id']}", token)
    log = task.get("log") or ""
    prepare = re.search(r"PREPARE done in (\d+) ms", log)
    steps = [int(m) for m in re.findall(r"done in (\d+) ms", log)]
    if task["status"] != "SUCCEEDED" or not prepare:
        print(f"| {n} | task {task['id']} ended {task['status']}: {task.get('error')} | | |")
        continue
    print(f"| {n} | {wal:.0f} | {int(prepare.group(1)) / 1000:.1f} | {sum(steps) / 1000:.1f} |")
PY
echo "| task | WAL at start MiB | PREPARE s | whole run s |"
echo "|---:|---:|---:|---:|"
python3 "$work/tasks.py" "$port" 1 "$work/data" 0
started=$SECONDS
"$bin" import charges "$work/charges.csv" --hospital H001 >/dev/null
echo "| import of $rows lines while the server ran: $((SECONDS - started)) s | | | |"
python3 "$work/tasks.py" "$port" "$tasks" "$work/data" 1
