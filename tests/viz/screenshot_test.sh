#!/usr/bin/env bash
# The viewer's headless mode under xvfb-run: screenshots of two library scenarios' traces and of a
# live run, checked for size and content: not blank (many distinct colours), and the status
# colours of succeeded and failed stages where the run had them.
#
#   screenshot_test.sh DEPLOYSIM DEPLOYSIM_VIZ PNG_CHECK LIBRARY_DIR
set -euo pipefail
deploysim=$1 viz=$2 check=$3 library=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! command -v xvfb-run >/dev/null; then
  echo "xvfb-run is missing: scripts/install-deps installs it (package xvfb)" >&2
  exit 1
fi
shoot() {  # shoot OUT.png ARGS...: one frame at 1280x800 under a virtual X server
  local out=$1
  shift
  xvfb-run -a -s "-screen 0 1400x900x24" "$viz" "$@" --size 1280x800 --screenshot "$out"
}
# The status colours fill stage boxes and Gantt bars: thousands of pixels. The legends show every
# status in a few hundred at most, so the thresholds tell a stage drawn from a legend.
succeeded=46,160,67,2000   # colors::kSucceeded
failed=218,54,51,2000      # colors::kTerminal
legend_only=218,54,51,600

# A red/black that succeeds: every stage green, none failed.
"$deploysim" run "$library/redblack-good-candidate.json" --trace "$work/good.trace" >/dev/null
shoot "$work/good.png" "$work/good.trace" --at 8m
"$check" "$work/good.png" --size 1280x800 --min-colours 40 --colour "$succeeded" --no-colour "$legend_only"

# The flagship bad canary: the analysis fails its stage and the candidate is rolled back.
"$deploysim" run "$library/step-canary-bad-candidate.json" --trace "$work/bad.trace" >/dev/null
shoot "$work/bad.png" "$work/bad.trace" --at 20m
"$check" "$work/bad.png" --size 1280x800 --min-colours 40 --colour "$succeeded" --colour "$failed"

# Two runs compared on one axis.
shoot "$work/compare.png" "$work/good.trace" "$work/bad.trace" --at 10m
"$check" "$work/compare.png" --size 1280x800 --min-colours 40 --colour "$succeeded" --colour 218,54,51,1000  # the failed bar of B

# A live run, simulated in-process to 6 minutes: the deploy is running.
shoot "$work/live.png" "$library/step-canary-bad-candidate.json" --at 6m
"$check" "$work/live.png" --size 1280x800 --min-colours 40 --colour 47,129,247,100   # colors::kRunning

# A screenshot that cannot be written leaves nothing and says why.
if shoot "$work/missing-dir/x.png" "$work/good.trace" 2>"$work/err"; then
  echo "a screenshot into a missing directory succeeded" >&2
  exit 1
fi
grep -q "cannot write" "$work/err" || { cat "$work/err" >&2; exit 1; }
[[ ! -e "$work/missing-dir" ]]
# Bad input: a clear message naming what is wrong, exit 2, no window needed.
refused() {  # refused "MESSAGE PART" ARGS...
  local says=$1
  shift
  local status=0
  "$viz" "$@" >"$work/out" 2>&1 || status=$?
  if [[ $status -ne 2 ]] || ! grep -qF -- "$says" "$work/out"; then
    echo "deploysim-viz $* should fail with exit 2 saying \"$says\"; exit $status:" >&2
    cat "$work/out" >&2
    exit 1
  fi
}
refused "no such file" "$work/nope.trace"
refused "--size: expected WIDTHxHEIGHT" "$work/good.trace" --size 10x10
refused "--at: expected a time" "$work/good.trace" --at 5q
refused "compare mode takes two trace files" "$library/steady-state.json" "$work/good.trace"
refused "--seed and --trace are for live runs" "$work/good.trace" --seed 3
head -c 300 "$work/good.trace" >"$work/cut.trace"
refused "cut.trace: offset 8: truncated" "$work/cut.trace"
echo '{"name": 3}' >"$work/bad-scenario.json"
refused "bad-scenario.json: name:" "$work/bad-scenario.json"
echo "screenshots: all checks passed"
