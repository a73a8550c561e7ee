#!/usr/bin/env bash
# The layering lint trips on includes that point up or let strategies/ see the simulation, and
# allows includes of the layer itself and those below. Usage: layers_test.sh LINT FIXTURE_ROOT
set -uo pipefail
lint=$1
fixtures=$2
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

output=$("$lint" "$fixtures" 2>&1)
[[ $? -eq 1 ]] || fail "expected exit 1 on the fixtures"
grep -q "strategies/bad.cc:2: layer strategies/ must not include sim/world/" <<<"$output" ||
  fail "strategies including sim/world was not reported: $output"
grep -q "sim/bad.cc:2: layer sim/ must not include scenarios/" <<<"$output" ||
  fail "sim including scenarios was not reported: $output"
[[ $(grep -c "must not include" <<<"$output") -eq 2 ]] || fail "expected exactly 2 findings: $output"

if [[ $failures -eq 0 ]]; then
  echo "layers_test: all checks passed"
fi
exit $((failures > 0))
