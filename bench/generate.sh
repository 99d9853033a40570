#!/usr/bin/env bash
# GENERATE_DETAILS' statement by hand on PostgreSQL, on a database that already holds a month of charge lines
# (say the one `bench/drill.sh` leaves with BENCH_DATABASE, or `hospital seed` + `hospital seed --charges
# 10000000 --period 2026-06 --seed 7`): the one-pass SELECT without the visibility filter ("hand"), with the
# step's filter (a bound on the import id: "step") and with the filter the step had before (a lookup of every
# complete import: "lookup"), each at 4 MB and 64 MB of work_mem, serial (max_parallel_workers_per_gather = 0, as
# an INSERT … SELECT runs on PostgreSQL 15), BENCH_ROUNDS rounds (default 2), the order turning each round.
# BENCH_EXPLAIN=1 prints EXPLAIN (ANALYZE, BUFFERS) of each instead, parallel as a plain SELECT runs.
# Needs BENCH_POSTGRES_URL (a server URL) and BENCH_DATABASE; BENCH_PERIOD (default 2026-06).
set -euo pipefail
u="${BENCH_POSTGRES_URL:?a PostgreSQL server URL}/${BENCH_DATABASE:?a database holding charge lines}"
period="${BENCH_PERIOD:-2026-06}"
# Statistics as the step has them (PREPARE analyzes these tables first): without them a database fresh from
# `hospital seed` plans the month through nested loops, 40 s and more.
psql "$u" -qc "ANALYZE charge_details, department, dimension_node, dimension_closure, dimension_item_mapping"
h=$(psql "$u" -Atc "SELECT id FROM hospital WHERE code = 'H001'")
mv=$(psql "$u" -Atc "SELECT model_version_id FROM dimension_item_mapping GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1")
upto=$(psql "$u" -Atc "SELECT COALESCE(MAX(completed_seq), 0) FROM charge_import")
lookup="(c.import_id IS NULL OR c.import_id IN (SELECT ci.id FROM charge_import ci WHERE ci.completed_seq <= $upto))"
# As charge_import::counted spells it: the highest counted import of the hospital, and those below it not counted.
through=$(psql "$u" -Atc "SELECT MAX(id) FROM charge_import WHERE hospital_id = $h AND completed_seq <= $upto")
except=$(psql "$u" -Atc "SELECT string_agg(id::text, ', ') FROM charge_import WHERE hospital_id = $h AND id < ${through:-0} \
    AND (completed_seq IS NULL OR completed_seq > $upto)")
if [[ -z "$through" ]]; then bound="c.import_id IS NULL"
elif [[ -z "$except" ]]; then bound="(c.import_id IS NULL OR c.import_id <= $through)"
else bound="(c.import_id IS NULL OR (c.import_id <= $through AND c.import_id NOT IN ($except)))"; fi
bt="CASE WHEN n.splits_business_type THEN c.business_type ELSE '' END"
select="SELECT d.id, d.code, n.id, n.code, n.name, n.parent_id, c.item_code, MAX(c.item_name), MAX(c.item_category), \
$bt, SUM(c.amount), SUM(c.quantity) FROM charge_details c \
JOIN dimension_item_mapping m ON m.model_version_id = $mv AND m.item_code = c.item_code \
JOIN dimension_node n ON n.id = m.node_id AND n.kind = 'CHARGE' \
JOIN department d ON d.hospital_id = c.hospital_id AND d.code = CASE n.dept_field \
WHEN 'PRESCRIBING' THEN c.prescribing_dept_code WHEN 'EXECUTING' THEN c.executing_dept_code END \
WHERE c.hospital_id = $h AND c.period = '$period' AND (n.business_type_scope = 'ALL' OR n.business_type_scope = c.business_type)"
group="GROUP BY d.id, d.code, n.id, n.code, n.name, n.parent_id, c.item_code, $bt"
statement() { # hand|step|lookup
    case "$1" in
        hand) echo "$select $group" ;;
        step) echo "$select AND $bound $group" ;;
        lookup) echo "$select AND $lookup $group" ;;
    esac
}
echo "$(psql "$u" -Atc "SELECT COUNT(*) FROM charge_details WHERE period = '$period'") charge lines in $period; load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "${BENCH_ROUNDS:-2}"); do
    case $((r % 3)) in 1) order="hand step lookup" ;; 2) order="step lookup hand" ;; *) order="lookup hand step" ;; esac
    for which in $order; do
        for mem in 4MB 64MB; do
            q=$(statement "$which")
            if [[ "${BENCH_EXPLAIN:-0}" = 1 ]]; then
                echo "== $which, work_mem $mem"
                psql "$u" -c "SET work_mem = '$mem'" -c "EXPLAIN (ANALYZE, BUFFERS) $q"
            else
                t=$(psql "$u" -c "SET max_parallel_workers_per_gather = 0" -c "SET work_mem = '$mem'" -c "\\timing on" \
                    -c "SELECT COUNT(*) FROM ($q) x" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
                echo "round $r: $which, work_mem $mem: $(awk -v t="$t" 'BEGIN {printf "%.1f", t / 1000}') s"
            fi
        done
    done
done
