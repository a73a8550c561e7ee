#!/usr/bin/env bash
# deploysim fidelity on the real red/black scenario, as a user runs it: the simulation and the real
# run reach the same final state, within the deploy-duration tolerance; both traces are written and
# read back; --provider local refuses a zone it cannot honour, naming it, unless told to ignore it.
#   fidelity_test.sh DEPLOYSIM SCENARIO_DIR
set -euo pipefail
deploysim=$1
scenarios=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "fidelity_test: $*" >&2; exit 1; }

echo "-- deploysim fidelity redblack.json"
if ! "$deploysim" fidelity "$scenarios/redblack.json" --sim-trace "$work/sim.trace" --real-trace "$work/real.trace" \
    >"$work/out.txt" 2>"$work/err.txt"; then
  cat "$work/out.txt" "$work/err.txt" >&2
  fail "fidelity exited non-zero"
fi
cat "$work/out.txt"
grep -q "same final state: yes" "$work/out.txt" || fail "final states differ"
grep -q "within tolerance: yes" "$work/out.txt" || fail "deploy durations differ beyond the tolerance"
grep -Eq "^  failed_requests +0 +0 " "$work/out.txt" || fail "failed requests are not 0 in both runs"
for t in sim real; do
  "$deploysim" trace info "$work/$t.trace" >/dev/null || fail "$t trace does not read back"
done

echo "-- --provider local refuses two zones"
cat >"$work/two-zones.json" <<JSON
{"extends": "$scenarios/redblack.json", "name": "two-zones",
 "world": {"regions": [{"name": "local", "zones": ["local-a", "local-b"]}]}}
JSON
status=0
"$deploysim" run "$work/two-zones.json" --provider local >"$work/out.txt" 2>"$work/err.txt" || status=$?
[[ $status -ne 0 ]] || fail "a two-zone scenario ran for real"
grep -q "world.regions\[0\].zones" "$work/err.txt" || { cat "$work/err.txt" >&2; fail "the refusal does not name the field"; }
grep -q -- "--ignore-unsupported" "$work/err.txt" || fail "the refusal does not say how to run anyway"
if pgrep -f "deploysim-local-|deploysim-app --port" >/dev/null; then fail "processes of a run are left over"; fi
echo "fidelity_test: all checks passed"
