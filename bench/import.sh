#!/usr/bin/env bash
# Charge import throughput and peak memory on SQLite, through the CLI as an operator runs it:
# `hospital seed --charges N --csv` writes a file in the import layout, then each round copies a fresh database
# holding the demo departments and catalogue and runs `hospital import charges` on it under /usr/bin/time -v
# (max RSS = peak memory of the whole process), then imports the same file again (every line already present).
# Also times `hospital seed --charges N` straight into the database (the generator on the same insert path), and
# SQLite's own loading of the same file beside the import, rounds alternating which goes first: the sqlite3
# shell's `.import` (prepared inserts in one transaction) into a table of the file's columns in a copy of the same
# database, then building the indexes charge_details has; and `.import` into that table with the indexes built
# first.
# With BENCH_POSTGRES_URL (a server URL, e.g. postgres://postgres@127.0.0.1:5432) also PostgreSQL, beside
# PostgreSQL's own loading of the same file: `COPY` into a scratch table of the file's columns, then building
# the indexes charge_details has (its unique key and the two period indexes); and `COPY` into that table with
# the indexes built first, as a table holding other months has them; rounds alternating which goes first.
# Knobs: BENCH_SIZES (default "100000 1000000"), BENCH_POSTGRES_SIZES (default: BENCH_SIZES), BENCH_ROUNDS
# (default 3), BENCH_SQLITE=0 skips SQLite. Prints Markdown tables of medians.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
sizes="${BENCH_SIZES:-100000 1000000}"
rounds="${BENCH_ROUNDS:-3}"
cargo build --release --locked -q -p hospital
bin="$(release_dir)/hospital"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export RUST_LOG=error

machine
APP_DATA_DIR="$work/base" "$bin" seed >/dev/null

# Runs the command under /usr/bin/time; prints "<seconds> <max RSS KiB>".
measure() {
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null
    cat "$work/time"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The file's columns, and the indexes charge_details has over them (its unique key and the two period indexes).
file_table="CREATE TABLE scratch (source_line_id VARCHAR(64), business_type VARCHAR(16), \
    prescribing_dept_code VARCHAR(32), executing_dept_code VARCHAR(32), item_code VARCHAR(64), \
    item_name VARCHAR(128), item_category VARCHAR(64), quantity NUMERIC, amount NUMERIC, charged_at TIMESTAMP);"
file_indexes="CREATE UNIQUE INDEX scratch_key ON scratch (source_line_id); \
    CREATE INDEX scratch_exec ON scratch (charged_at, executing_dept_code, item_code); \
    CREATE INDEX scratch_presc ON scratch (charged_at, prescribing_dept_code, item_code);"
seconds_of() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f\n", b - a}'; }
# sqlite3 .import of csv into a fresh copy of the base database: "<load s> <index s> <load into indexed s>".
sqlite_load() {
    local db="$work/run/hospital.db" load index indexed
    rm -rf "$work/run" && cp -r "$work/base" "$work/run"
    load=$(seconds_of sqlite3 "$db" "$file_table" ".import --csv --skip 1 $1 scratch")
    index=$(seconds_of sqlite3 "$db" "$file_indexes")
    rm -rf "$work/run" && cp -r "$work/base" "$work/run"
    sqlite3 "$db" "$file_table $file_indexes"
    indexed=$(seconds_of sqlite3 "$db" ".import --csv --skip 1 $1 scratch")
    echo "$load $index $indexed"
}

[[ "${BENCH_SQLITE:-1}" = 0 ]] && sizes=""
[[ -n "$sizes" ]] && {
echo
echo "SQLite: the server's bundled library, the sqlite3 shell $(sqlite3 --version | cut -d' ' -f1); median of $rounds rounds, alternating:"
echo "| rows | file MiB | import s | import rows/s | peak RSS MiB | re-import s | seed into DB rows/s | .import + indexes s | .import + indexes rows/s | .import into indexed s | import ÷ .import + indexes (time) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
}
for n in $sizes; do
    csv="$work/charges-$n.csv"
    APP_DATA_DIR="$work/base" "$bin" seed --charges "$n" --period 2026-03 --seed 1 --csv "$csv" >/dev/null
    : >"$work/import" ; : >"$work/rss" ; : >"$work/again" ; : >"$work/seed" ; : >"$work/both" ; : >"$work/indexed"
    for r in $(seq "$rounds"); do
        for side in $( ((r % 2)) && echo "import shell" || echo "shell import"); do
            if [[ "$side" = shell ]]; then
                read -r l i x < <(sqlite_load "$csv")
                awk -v l="$l" -v i="$i" 'BEGIN {print l + i}' >>"$work/both"; echo "$x" >>"$work/indexed"
                continue
            fi
            rm -rf "$work/run" && cp -r "$work/base" "$work/run"
            read -r secs rss < <(APP_DATA_DIR="$work/run" measure "$bin" import charges "$csv" --hospital H001)
            echo "$secs" >>"$work/import"; echo "$rss" >>"$work/rss"
            read -r secs _ < <(APP_DATA_DIR="$work/run" measure "$bin" import charges "$csv" --hospital H001)
            echo "$secs" >>"$work/again"
            rm -rf "$work/run" && cp -r "$work/base" "$work/run"
            read -r secs _ < <(APP_DATA_DIR="$work/run" measure "$bin" seed --charges "$n" --period 2026-03 --seed 1)
            echo "$secs" >>"$work/seed"
        done
    done
    imp=$(median <"$work/import"); rss=$(median <"$work/rss"); again=$(median <"$work/again"); seed=$(median <"$work/seed")
    both=$(median <"$work/both"); indexed=$(median <"$work/indexed")
    awk -v n="$n" -v mib="$(stat -c %s "$csv")" -v imp="$imp" -v rss="$rss" -v again="$again" -v seed="$seed" \
        -v both="$both" -v ix="$indexed" 'BEGIN {
        printf "| %d | %.1f | %.2f | %.0f | %.0f | %.2f | %.0f | %.2f | %.0f | %.2f | %.2f |\n", n, mib / 1048576, imp, n / imp, rss / 1024, again, n / seed, both, n / both, ix, imp / both
    }'
done

[[ -n "${BENCH_POSTGRES_URL:-}" ]] || exit 0
pg="$BENCH_POSTGRES_URL"
db=bench_import
fresh() { # a database with the demo departments and catalogue
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
    DATABASE_URL="$pg/$db" "$bin" seed >/dev/null
}
# The same file loaded by PostgreSQL itself: COPY into a table of the file's columns, then the indexes; and COPY
# into the same table with the indexes built before (as they are on charge_details, which holds other months).
scratch() {
    psql "$pg/$db" -qc "DROP TABLE IF EXISTS scratch" -c "CREATE TABLE scratch (source_line_id VARCHAR(64), \
        business_type VARCHAR(16), prescribing_dept_code VARCHAR(32), executing_dept_code VARCHAR(32), \
        item_code VARCHAR(64), item_name VARCHAR(128), item_category VARCHAR(64), quantity NUMERIC, amount NUMERIC, \
        charged_at TIMESTAMP)"
}
indexes() {
    psql "$pg/$db" -qc "CREATE UNIQUE INDEX ON scratch (source_line_id)" \
        -c "CREATE INDEX ON scratch (charged_at, executing_dept_code, item_code)" \
        -c "CREATE INDEX ON scratch (charged_at, prescribing_dept_code, item_code)"
}
copy_file() { # csv -> "<copy s> <index s> <copy into the indexed table s>"
    local t0 t1 t2 t3 t4
    scratch
    t0=$(date +%s.%N)
    psql "$pg/$db" -qc "\\copy scratch FROM '$1' WITH (FORMAT csv, HEADER true)"
    t1=$(date +%s.%N)
    indexes
    t2=$(date +%s.%N)
    scratch
    indexes
    psql "$pg/$db" -qc "CHECKPOINT"
    t3=$(date +%s.%N)
    psql "$pg/$db" -qc "\\copy scratch FROM '$1' WITH (FORMAT csv, HEADER true)"
    t4=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="$t4" 'BEGIN {printf "%.2f %.2f %.2f\n", b - a, c - b, e - d}'
}
echo
echo "PostgreSQL $(psql "$pg/postgres" -Atc 'SHOW server_version'), median of $rounds rounds, alternating:"
echo "| rows | import s | import rows/s | peak RSS MiB | re-import s | COPY s | COPY + indexes s | COPY + indexes rows/s | COPY into indexed s | COPY into indexed rows/s | import ÷ COPY into indexed (time) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in ${BENCH_POSTGRES_SIZES:-${BENCH_SIZES:-100000 1000000}}; do
    csv="$work/charges-$n.csv"
    [[ -f "$csv" ]] || APP_DATA_DIR="$work/base" "$bin" seed --charges "$n" --period 2026-03 --seed 1 --csv "$csv" >/dev/null
    : >"$work/import" ; : >"$work/rss" ; : >"$work/again" ; : >"$work/copy" ; : >"$work/both" ; : >"$work/indexed"
    for r in $(seq "$rounds"); do
        for side in $( ((r % 2)) && echo "import copy" || echo "copy import"); do
            fresh
            if [[ "$side" = import ]]; then
                read -r secs rss < <(DATABASE_URL="$pg/$db" measure "$bin" import charges "$csv" --hospital H001)
                echo "$secs" >>"$work/import"; echo "$rss" >>"$work/rss"
                read -r secs _ < <(DATABASE_URL="$pg/$db" measure "$bin" import charges "$csv" --hospital H001)
                echo "$secs" >>"$work/again"
            else
                read -r c i x < <(copy_file "$csv")
                echo "$c" >>"$work/copy"; awk -v c="$c" -v i="$i" 'BEGIN {print c + i}' >>"$work/both"
                echo "$x" >>"$work/indexed"
            fi
        done
    done
    imp=$(median <"$work/import"); rss=$(median <"$work/rss"); again=$(median <"$work/again")
    cp_=$(median <"$work/copy"); both=$(median <"$work/both"); indexed=$(median <"$work/indexed")
    awk -v n="$n" -v imp="$imp" -v rss="$rss" -v again="$again" -v cp="$cp_" -v both="$both" -v ix="$indexed" 'BEGIN {
        printf "| %d | %.2f | %.0f | %.0f | %.2f | %.2f | %.2f | %.0f | %.2f | %.0f | %.2f |\n", n, imp, n / imp, rss / 1024, again, cp, both, n / both, ix, n / ix, imp / ix
    }'
done
psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
