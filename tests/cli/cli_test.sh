#!/usr/bin/env bash
# The deploysim command as a user runs it: help, exit codes, error messages, the demo's trace and
# fingerprint. Usage: cli_test.sh PATH_TO_DEPLOYSIM
set -uo pipefail
deploysim=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run EXPECTED_EXIT ARGS...: runs deploysim, keeps stdout/stderr in $out/$err.
run() {
  local expected=$1
  shift
  "$deploysim" "$@" >"$work/out" 2>"$work/err"
  local status=$?
  out=$(cat "$work/out")
  err=$(cat "$work/err")
  [[ $status -eq $expected ]] || fail "deploysim $* exited $status, expected $expected; stderr: $err"
}

run 0 --help
grep -q "demo" <<<"$out" || fail "--help does not list the demo command"
run 0 demo --help
grep -q -- "--seed" <<<"$out" || fail "demo --help does not document --seed"
run 0 --version
grep -q "deploysim" <<<"$out" || fail "--version prints no version"
run 2
run 2 no-such-command

run 2 demo --duration "5 minutes"
grep -q -- "--duration" <<<"$err" || fail "a bad duration does not name the option: $err"
grep -q "invalid duration \"5 minutes\"" <<<"$err" || fail "a bad duration is not quoted: $err"
run 2 demo --rate 20
grep -q "unstable" <<<"$err" || fail "an unstable queue is not explained: $err"
run 2 demo --servers abc

# The demo writes a complete trace whose hash is the fingerprint it printed.
run 0 demo --duration 20m --warmup 2m --trace "$work/run.trace"
fingerprint=$(grep -o "fingerprint [0-9a-f]*" <<<"$out" | cut -d' ' -f2)
[[ -n "$fingerprint" ]] || fail "the demo printed no fingerprint: $out"
[[ -f "$work/run.trace" && ! -e "$work/run.trace.partial" ]] || fail "no finished trace file"
run 0 trace info "$work/run.trace"
grep -q "hash       $fingerprint" <<<"$out" || fail "trace info hash differs from the fingerprint: $out"
grep -q "events     " <<<"$out" || fail "trace info prints no event count"
run 0 trace dump "$work/run.trace" --limit 3
[[ $(wc -l <<<"$out") -eq 3 ]] || fail "trace dump --limit 3 printed: $out"
grep -q "M/M/10 queue starts" <<<"$out" || fail "trace dump does not show the first note: $out"

# Same seed, same fingerprint; another seed, another.
run 0 demo --duration 20m --warmup 2m
again=$(grep -o "fingerprint [0-9a-f]*" <<<"$out" | cut -d' ' -f2)
[[ "$again" == "$fingerprint" ]] || fail "same seed gave $again then $fingerprint"
run 0 demo --duration 20m --warmup 2m --seed 9
other=$(grep -o "fingerprint [0-9a-f]*" <<<"$out" | cut -d' ' -f2)
[[ "$other" != "$fingerprint" ]] || fail "seeds 1 and 9 gave the same fingerprint"

# Damaged traces: exit 1 and a message naming the file and the offset.
printf 'garbage that is not a trace' >"$work/garbage.trace"
run 1 trace info "$work/garbage.trace"
grep -q "garbage.trace: offset 0: not a deploysim trace" <<<"$err" || fail "garbage: $err"
head -c 60 "$work/run.trace" >"$work/cut.trace"
run 1 trace info "$work/cut.trace"
grep -q "cut.trace: offset [0-9]*: truncated" <<<"$err" || fail "truncated: $err"
run 1 trace info "$work/absent.trace"
grep -q "absent.trace" <<<"$err" || fail "a missing file is not named: $err"

# An unwritable trace path fails cleanly and leaves nothing behind.
run 1 demo --duration 5m --warmup 1m --trace "$work/no-such-dir/run.trace"
grep -q "no-such-dir" <<<"$err" || fail "unwritable trace path not named: $err"

# deploysim run: bad scenarios exit 2, print the problem, and leave no output files behind.
library=$(dirname "$0")/../../scenarios/library
printf '{"name": "x", "duration": "5 minutes"}' >"$work/bad.json"
run 2 run "$work/bad.json" --trace "$work/bad.trace" --metrics "$work/bad.csv"
grep -q 'bad.json: duration: invalid duration "5 minutes"' <<<"$err" || fail "bad duration message: $err"
[[ ! -e "$work/bad.trace" && ! -e "$work/bad.trace.partial" && ! -e "$work/bad.csv" ]] ||
  fail "a failed run left output files behind"
: >"$work/empty.json"
run 2 run "$work/empty.json"
grep -q "empty" <<<"$err" || fail "empty scenario: $err"
run 2 run "$work/absent.json"
grep -q "absent.json" <<<"$err" || fail "missing scenario not named: $err"

# A good run prints the seed first, a summary and the speed; its outputs are complete.
run 0 run "$library/crash-detection.json" --seed 5 --trace "$work/w.trace" --metrics "$work/w.csv"
[[ $(head -n 1 <<<"$out") == "seed 5" ]] || fail "the seed is not printed first: $(head -n 2 <<<"$out")"
grep -q "shop-prod-v000" <<<"$out" || fail "no server group row: $out"
grep -q "refused" <<<"$out" || fail "the crash's refused requests are not shown: $out"
grep -qE "^simulated 30m in [0-9.]+ s \([0-9,]+. real time" <<<"$out" || fail "no speed line: $out"
head -n 1 "$work/w.csv" | grep -q "^time_s,scope_kind,scope,requests,errors" || fail "metrics CSV header"
[[ $(grep -c ",client,shoppers," "$work/w.csv") -eq 180 ]] || fail "expected 180 client intervals in the CSV"
run 0 trace info "$work/w.trace"
grep -q "seed       5" <<<"$out" || fail "trace header seed: $out"
run 0 run "$library/crash-detection.json" --seed 5
first=$(grep -o "fingerprint [0-9a-f]*" <<<"$out")
run 0 run "$library/crash-detection.json" --seed 5
[[ "$(grep -o "fingerprint [0-9a-f]*" <<<"$out")" == "$first" ]] || fail "same seed, different fingerprint"

# A pipeline scenario prints its stage timeline and final status.
run 0 run "$library/rolling-blue-green-rollback.json"
grep -q "pipeline rolling-blue-green: SUCCEEDED" <<<"$out" || fail "no SUCCEEDED pipeline line: $out"
grep -qE "^  continue +checkPreconditions +STOPPED" <<<"$out" || fail "the untaken branch is not STOPPED: $out"
grep -qE "^  rgreen +destroyServerGroup +SUCCEEDED" <<<"$out" || fail "the rollback did not destroy green: $out"
grep -qE "^  myapp-v001 .*2 terminated" <<<"$out" || fail "v001 should end with its 2 instances terminated: $out"

# An operator deciding from metrics rolls a bad candidate back and promotes a good one.
run 0 run "$library/rolling-blue-green-bad-candidate.json"
grep -qE "^  rollback +checkPreconditions +SUCCEEDED" <<<"$out" || fail "the bad candidate was not rolled back: $out"
grep -qE "^  myapp-v001 .*2 terminated" <<<"$out" || fail "the bad candidate should be destroyed: $out"
run 0 run "$library/rolling-blue-green-good-candidate.json"
grep -qE "^  continue +checkPreconditions +SUCCEEDED" <<<"$out" || fail "the good candidate was not promoted: $out"
grep -qE "^  myapp-v001 .*10 running" <<<"$out" || fail "the good candidate should run 10 instances: $out"

# validate: every problem reported, exit 2; valid files exit 0.
printf '{"name": "p", "stages": [{"refId": "1", "type": "teleport", "name": "beam"}, {"refId": "2", "requisiteStageRefIds": ["9"], "type": "wait"}]}' >"$work/bad-pipeline.json"
run 2 validate "$work/bad-pipeline.json" "$library/steady-state.json"
grep -q 'refId 1 "beam" (teleport)' <<<"$err" || fail "validate does not name the unknown stage: $err"
grep -q "depends on refId 9" <<<"$err" || fail "validate does not report the missing requisite: $err"
grep -q "^ok  .*steady-state.json" <<<"$out" || fail "validate does not confirm the good file: $out"
run 0 validate "$library/rolling-blue-green-continue.json"
grep -q "with a pipeline" <<<"$out" || fail "validate should see the scenario's pipeline: $out"
# A stage type nobody runs and a legacy one are errors naming file, stage and type; a typo in a
# field of a supported stage is a warning naming the field; neither loses the other problems.
cat >"$work/legacy.json" <<'JSON'
{"application": "shop", "name": "old", "stages": [
  {"refId": "1", "type": "canary", "name": "Netflix canary"},
  {"refId": "2", "type": "deployManfest", "name": "Deploy", "requisiteStageRefIds": ["1"]}]}
JSON
run 2 validate "$work/legacy.json"
grep -q "legacy.json: pipeline \"old\": refId 1 \"Netflix canary\" (canary): stage type \"canary\" is refused: .*kayentaCanary" <<<"$err" ||
  fail "validate does not refuse the legacy canary with its reason: $err"
grep -q 'refId 2 "Deploy" (deployManfest): stage type "deployManfest" is unknown' <<<"$err" ||
  fail "validate does not name the unknown stage type: $err"
cat >"$work/typo.json" <<'JSON'
{"application": "shop", "name": "typo", "stages": [
  {"refId": "1", "type": "scaleManifest", "name": "Scale", "manifestName": "deployment web", "location": "prod",
   "replicaz": 4}]}
JSON
run 0 validate "$work/typo.json"
grep -q 'warning: .*typo.json: pipeline "typo": stage refId 1 "Scale" (scaleManifest): unknown field "replicaz"' <<<"$err" ||
  fail "validate does not warn about the misspelt field: $err"
grep -q "1 warning(s)" <<<"$out" || fail "validate does not count the warning: $out"
run 0 stages
grep -q "^deployManifest" <<<"$out" || fail "stages does not list deployManifest: $out"
grep -q "^monitorCanary *refused" <<<"$out" || fail "stages does not show the refused legacy types: $out"

# judge: Kayenta's verdict on recorded series. spinnaker/spinnaker#6278's data: a canary at 100
# for 7 of 10 points against a baseline at 1 passes (the interval's lower bound, 6.8e-05, is
# under the tolerance); with 8 of 10 it is High.
printf '{"name": "c", "metrics": [{"name": "m", "groups": ["g"], "analysisConfigurations": {"canary": {"effectSize": {"allowedIncrease": 1.0, "allowedDecrease": 1.05}}}}]}' >"$work/canary.json"
printf 'time,m\n' >"$work/base.csv"; printf 'time,m\n' >"$work/seven.csv"; printf 'time,m\n' >"$work/eight.csv"
for i in 0 1 2 3 4 5 6 7 8 9; do
  echo "$i,1" >>"$work/base.csv"
  if [[ $i -lt 7 ]]; then echo "$i,100" >>"$work/seven.csv"; else echo "$i,1" >>"$work/seven.csv"; fi
  if [[ $i -lt 8 ]]; then echo "$i,100" >>"$work/eight.csv"; else echo "$i,1" >>"$work/eight.csv"; fi
done
run 0 judge "$work/canary.json" --baseline "$work/base.csv" --canary "$work/seven.csv" --check
grep -qE "^m +Pass" <<<"$out" || fail "judge: 7 of 10 at 100 should pass: $out"
grep -q "score 100.00: Pass" <<<"$out" || fail "judge: expected score 100: $out"
run 1 judge "$work/canary.json" --baseline "$work/base.csv" --canary "$work/eight.csv" --check
grep -qE "^m +High" <<<"$out" || fail "judge: 8 of 10 at 100 should be High: $out"
run 0 judge "$work/canary.json" --baseline "$work/base.csv" --canary "$work/seven.csv" --json
grep -q '"judgeName": "NetflixACAJudge-v1.0"' <<<"$out" || fail "judge --json is not a CanaryJudgeResult: $out"
printf 'time,m\n0,1\n1,x7\n2\n' >"$work/broken.csv"
run 2 judge "$work/canary.json" --baseline "$work/base.csv" --canary "$work/broken.csv"
grep -q "broken.csv:3: column 2 (m): expected a number" <<<"$err" || fail "judge does not name the bad cell: $err"
grep -q "broken.csv:4: expected 2 fields, got 1" <<<"$err" || fail "judge does not name the short line: $err"
printf 'time,m,cpu\n0,1,2\n' >"$work/extra.csv"
run 2 judge "$work/canary.json" --baseline "$work/extra.csv" --canary "$work/seven.csv"
grep -q 'column "cpu" is not a metric of the canary config' <<<"$err" || fail "judge does not refuse an unknown metric: $err"
run 2 judge "$work/canary.json" --baseline "$work/base.csv" --canary "$work/seven.csv" --pass 40 --marginal 60
grep -q "marginal <= pass" <<<"$err" || fail "judge accepts marginal above pass: $err"

# --- test, sweep, merge, compare, replay, reports ---------------------------------------------
library=$(cd "$(dirname "$0")/../../scenarios/library" && pwd)
bases=$(cd "$library/../bases" && pwd)
run 0 test "$library/stepcanary-error-regression.json" --no-sweeps --junit "$work/junit.xml"
grep -qE "^PASS +stepcanary-error-regression +rolled_back, TERMINAL" <<<"$out" || fail "test: no PASS line: $out"
grep -q '<testcase classname="deploysim" name="stepcanary-error-regression"' "$work/junit.xml" || fail "test --junit: no test case"
grep -q 'tests="1" failures="0" errors="0"' "$work/junit.xml" || fail "test --junit: wrong counts: $(cat "$work/junit.xml")"

# A broken expectation fails with the bound it broke and the command that reproduces it.
cat >"$work/wrong.json" <<JSON
{"extends": "$bases/stepcanary.json", "name": "wrong-expectation",
 "versions": [{"name": "v2", "bad": true, "errors": {"probability": 0.05}}],
 "expect": {"outcome": "promoted", "bounds": {"failed_by_candidate": {"max": 10}}}}
JSON
run 1 test "$work/wrong.json" --junit "$work/wrong.xml"
grep -q "^FAIL  wrong-expectation" <<<"$out" || fail "test: no FAIL line: $out"
grep -q "outcome: expected promoted, got rolled_back" <<<"$out" || fail "test: the outcome failure is not explained: $out"
grep -qE "failed_by_candidate = [0-9]+: above the maximum 10" <<<"$out" || fail "test: the bound is not named: $out"
grep -q "reproduce: deploysim run $work/wrong.json --seed 11" <<<"$out" || fail "test: no reproducing command: $out"
grep -q '<failure message="outcome: expected promoted, got rolled_back">' "$work/wrong.xml" || fail "test --junit: no failure"
# Bad input: exit 2, naming the file and the field.
cat >"$work/badexpect.json" <<JSON
{"extends": "$bases/stepcanary.json", "expect": {"bounds": {"failed_requestz": {"max": 1}}}}
JSON
run 2 test "$work/badexpect.json"
grep -q "badexpect.json: expect.bounds.failed_requestz: unknown figure" <<<"$err" || fail "test: a bad figure is not named: $err"
run 2 test "$work/no-such-dir"
cat >"$work/loop-a.json" <<JSON
{"extends": "loop-b.json"}
JSON
cat >"$work/loop-b.json" <<JSON
{"extends": "loop-a.json"}
JSON
run 2 run "$work/loop-a.json"
grep -q "a cycle" <<<"$err" || fail "run: an extends cycle is not reported: $err"

# Sweeps: the same report for any thread count; four shards merged are the unsharded report.
run 0 sweep "$library/stepcanary-error-regression.json" --seeds 8 --jobs 1 --out "$work/j1.json" --markdown "$work/j1.md"
grep -q "bad caught 8" <<<"$out" || fail "sweep: expected 8 bad builds caught: $out"
grep -q "| base | 8 |" "$work/j1.md" || fail "sweep --markdown: no summary row: $(cat "$work/j1.md")"
run 0 sweep "$library/stepcanary-error-regression.json" --seeds 8 --jobs 2 --out "$work/j2.json"
cmp -s "$work/j1.json" "$work/j2.json" || fail "sweep: --jobs 1 and --jobs 2 reports differ"
for i in 0 1 2 3; do
  run 0 sweep "$library/stepcanary-error-regression.json" --seeds 8 --shard "$i/4" --out "$work/part$i.json"
done
JOB_COMPLETION_INDEX=2 run 0 sweep "$library/stepcanary-error-regression.json" --seeds 8 --shard /4 --out "$work/env2.json"
cmp -s "$work/env2.json" "$work/part2.json" || fail "sweep: the shard index from JOB_COMPLETION_INDEX is not used"
SLURM_ARRAY_TASK_ID=4 SLURM_ARRAY_TASK_MIN=1 run 0 sweep "$library/stepcanary-error-regression.json" --seeds 8 --shard /4 --out "$work/slurm3.json"
cmp -s "$work/slurm3.json" "$work/part3.json" || fail "sweep: the shard index from SLURM_ARRAY_TASK_ID is not used"
run 0 merge "$work/part3.json" "$work/part1.json" "$work/part0.json" "$work/part2.json" --out "$work/merged.json"
cmp -s "$work/merged.json" "$work/j1.json" || fail "merge: merged shards differ from the unsharded report"
run 2 merge "$work/part0.json" "$work/part1.json" --out "$work/half.json"
grep -q "a shard is missing" <<<"$err" || fail "merge: a missing shard is not reported: $err"
[[ ! -e "$work/half.json" ]] || fail "merge: wrote a report from half the shards"
run 2 merge "$work/part0.json" "$work/part0.json" "$work/part1.json" "$work/part2.json" "$work/part3.json" --out "$work/dup.json"
grep -q "is also in another part" <<<"$err" || fail "merge: a duplicate shard is not reported: $err"
run 2 sweep "$library/stepcanary-error-regression.json" --seeds 8 --shard 4/4 --out "$work/x.json"
run 2 sweep "$library/stepcanary-error-regression.json" --seeds 8 --shard 1/4
grep -q "needs --out" <<<"$err" || fail "sweep: a shard without --out is not refused: $err"

# Compare: every variant on the same seeds, with paired differences.
run 0 compare "$library/stepcanary-error-regression.json" --seeds 6 --markdown "$work/compare.md"
grep -q "#### weight-5 - base" "$work/compare.md" || fail "compare: no weight-5 section: $(cat "$work/compare.md")"
grep -qE "^\| user_requests \| 6 \|" "$work/compare.md" || fail "compare: no paired rows: $(cat "$work/compare.md")"
run 2 compare "$library/redblack-good-candidate.json" --seeds 2
grep -q "has none to compare" <<<"$err" || fail "compare: a scenario without variants is not refused: $err"
run 0 run "$library/stepcanary-error-regression.json" --variant short-intervals --report "$work/variant.json"
grep -q '"variant": "short-intervals"' "$work/variant.json" || fail "run --variant: the report does not name the variant"
run 2 run "$library/stepcanary-error-regression.json" --variant nope
grep -q 'no variant named "nope" (it has weight-5, short-intervals)' <<<"$err" || fail "run: an unknown variant is not explained: $err"

# Reports of one run: JSON, Markdown and a Chrome trace.
run 0 run "$library/stepcanary-error-regression.json" --report "$work/run.json" --markdown "$work/run.md" --chrome-trace "$work/chrome.json"
grep -q "scorecard: candidate v2 (bad)" <<<"$out" || fail "run: no scorecard: $out"
grep -q '"outcome": "rolled_back"' "$work/run.json" || fail "run --report: no outcome"
grep -q '"expectations_met": true' "$work/run.json" || fail "run --report: expectations not recorded"
grep -q "| rolled_back | TERMINAL | v2 (bad) | rejected, right |" "$work/run.md" || fail "run --markdown: $(cat "$work/run.md")"
grep -q '"traceEvents"' "$work/chrome.json" || fail "run --chrome-trace: not trace-event JSON"
grep -q '"name":"Run Canary #1"' "$work/chrome.json" || fail "run --chrome-trace: no stage span"
ls "$work"/chrome.json.* >/dev/null 2>&1 && fail "run --chrome-trace left its temporary trace behind"

# Replay: the same run from the trace alone; a changed input shows the first diverging event.
printf 'time,rate\n0,50\n600,80\n' >"$work/rate.csv"
cat >"$work/replayed.json" <<JSON
{"extends": "$bases/redblack.json", "name": "replayed", "duration": "15m",
 "traffic": [{"name": "users", "constant": null, "csv": "rate.csv"}]}
JSON
run 0 run "$work/replayed.json" --trace "$work/replayed.trace"
run 0 replay "$work/replayed.trace"
grep -q "same run: fingerprint" <<<"$out" || fail "replay: not the same run: $out"
printf 'time,rate\n0,50\n600,90\n' >"$work/rate.csv"
run 1 replay "$work/replayed.trace"
grep -q "DIVERGED" <<<"$out" || fail "replay: a changed input is not noticed: $out"
grep -q "first difference at event" <<<"$out" || fail "replay: no first diverging event: $out"
[[ ! -e "$work/replayed.trace.replay" ]] || fail "replay left its own trace behind"

# Real runs: the options are documented, a provider that does not exist is refused, and a world
# feature the local provider cannot honour is named before anything starts (no HAProxy needed).
run 0 run --help
grep -q -- "--provider" <<<"$out" || fail "run --help does not document --provider"
run 0 fidelity --help
grep -q -- "--real-trace" <<<"$out" || fail "fidelity --help does not document --real-trace"
run 2 run "$library/crash-detection.json" --provider cloud
grep -q -- "--provider" <<<"$err" || fail "an unknown provider is not named: $err"
run 2 run "$library/redblack-zone-outage.json" --provider local --trace "$work/zones.trace"
grep -q "zone_outage" <<<"$err" || fail "the zone outage the local provider cannot do is not named: $err"
grep -q "zones" <<<"$err" || fail "the zones the local provider cannot do are not named: $err"
[[ ! -e "$work/zones.trace" && ! -e "$work/zones.trace.partial" ]] || fail "a refused real run left a trace"
run 2 run "$(dirname "$0")/../../scenarios/real/redblack.json" --provider local --command "v2=/bin/true"
grep -q "{port}" <<<"$err" || fail "a --command without {port} is not explained: $err"

if [[ $failures -eq 0 ]]; then
  echo "cli_test: all checks passed"
fi
exit $((failures > 0))
