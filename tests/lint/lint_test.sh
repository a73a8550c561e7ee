#!/usr/bin/env bash
# The determinism lint trips on every banned construct, ignores look-alikes, comments and strings,
# and allows the wall-clock driver. Usage: lint_test.sh LINT FIXTURES_DIR
set -uo pipefail
lint=$1
fixtures=$2
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

output=$("$lint" "$fixtures/sim" 2>&1)
status=$?
[[ $status -eq 1 ]] || fail "expected exit 1 on the banned fixture, got $status"
for construct in "std::random_device" "'rand('" "'srand('" "std::uniform_int_distribution" \
                 system_clock steady_clock high_resolution_clock "'time('"; do
  grep -qF -- "$construct" <<<"$output" || fail "the lint did not report $construct"
done
reported=$(grep -c "banned in deterministic code" <<<"$output")
[[ $reported -eq 8 ]] || fail "expected 8 findings, got $reported:"$'\n'"$output"
grep -q "clean.cc" <<<"$output" && fail "look-alikes in clean.cc were flagged:"$'\n'"$output"
grep -q "wall_clock.cc" <<<"$output" && fail "the wall-clock driver was flagged"
grep -q "banned.cc:3:" <<<"$output" || fail "findings must name file and line:"$'\n'"$output"

"$lint" "$fixtures/sim/kernel" >/dev/null 2>&1 || fail "a tree with only the wall-clock driver must pass"

if [[ $failures -eq 0 ]]; then
  echo "lint_test: all checks passed"
fi
exit $((failures > 0))
