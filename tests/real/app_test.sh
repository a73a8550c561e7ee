#!/usr/bin/env bash
# deploysim-app as the local provider uses it: real processes on loopback ports, checked over HTTP.
# Each check says what it does; the first failure stops the test with a message. Every app
# started here is killed on exit.
#
#   tests/real/app_test.sh APP_BINARY
set -euo pipefail

app=${1:?usage: app_test.sh APP_BINARY}
[[ -x "$app" ]] || { echo "FAIL: $app is not an executable"; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true  # reaped quietly: no "Killed" report from bash
  done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  exit 1
}
check() { echo "-- $*"; }

# HTTP: curl when installed, else python3 (installing curl is not an option here).
# http METHOD URL [DIR]: sets status (000 if the connection failed); the body goes to DIR/body and
# the headers to DIR/headers (DIR defaults to $work).
if command -v curl >/dev/null; then
  http() {
    local dir=${3:-$work}
    status=$(curl -s --max-time 10 -X "$1" -o "$dir/body" -D "$dir/headers" -w '%{http_code}' \
                  "$2" || true)
    [[ -n "$status" ]] || status=000
  }
else
  http() {
    local dir=${3:-$work}
    status=$(python3 - "$1" "$2" "$dir/headers" "$dir/body" <<'EOF'
import sys, urllib.error, urllib.request
method, url, headers_path, body_path = sys.argv[1:5]
try:
    response = urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10)
except urllib.error.HTTPError as error:
    response = error
except OSError:
    print("000")
    sys.exit(0)
with open(headers_path, "w") as h:
    h.write("".join(f"{k}: {v}\r\n" for k, v in response.headers.items()))
with open(body_path, "wb") as b:
    b.write(response.read())
print(response.status)
EOF
)
  }
fi

body() { cat "$work/body"; }
header() { grep -i "^$1:" "$work/headers" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }
expect_status() {  # expect_status WANT WHAT
  [[ "$status" == "$1" ]] || fail "$2: expected HTTP $1, got $status (body: $(body 2>/dev/null))"
}

# Ports: from a base that differs between concurrent runs, moving on past ports in use.
next_port=$((20000 + $$ % 10000))
port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_app NAME ARGS...: starts the app on a free port; sets port and pid; output in
# $work/NAME.out and $work/NAME.err. Does not wait for it to listen.
start_app() {
  local name=$1
  shift
  while ! port_is_free "$next_port"; do next_port=$((next_port + 1)); done
  port=$next_port
  next_port=$((next_port + 1))
  "$app" --port "$port" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pid=$!
  pids+=("$pid")
}

# wait_listening NAME SECONDS: waits for the "listening" line of the app started as NAME.
wait_listening() {
  local name=$1 deadline=$((SECONDS + $2))
  until grep -q " listening on 127.0.0.1:$port" "$work/$name.out" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || fail "$name exited before listening: $(cat "$work/$name.err")"
    ((SECONDS < deadline)) || fail "$name did not print its listening line within $2s"
    sleep 0.05
  done
}

# run_app NAME ARGS...: start_app, then wait until it listens. A port taken between the check
# and the bind makes the app exit 1: try the next one.
run_app() {
  local name=$1
  shift
  for _ in 1 2 3 4 5; do
    start_app "$name" "$@"
    until grep -q " listening on " "$work/$name.out" 2>/dev/null || ! kill -0 "$pid" 2>/dev/null; do
      sleep 0.05
    done
    if grep -q " listening on 127.0.0.1:$port" "$work/$name.out"; then return 0; fi
    grep -q "cannot listen" "$work/$name.err" ||
      fail "$name did not start: $(cat "$work/$name.err")"
  done
  fail "$name: no free port after 5 attempts"
}

# metric NAME: the value of one exposed sample (exact name with labels) from $work/body.
metric() { awk -v name="$1" '$1 == name { print $2 }' "$work/body"; }

# stop_app: SIGTERM, which must exit 0.
stop_app() {
  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  [[ $rc -eq 0 ]] || fail "SIGTERM: expected exit 0, got $rc"
}

check "bad flags exit 2 with a message naming the flag"
for bad in "--error-rate 2" "--latency bogus" "--health sideways" "--capacity 0" "--port 70000"; do
  flag=${bad%% *}
  rc=0
  # shellcheck disable=SC2086  # split "--flag value" into two words on purpose
  "$app" --port 1 $bad >"$work/bad.out" 2>"$work/bad.err" || rc=$?
  [[ $rc -eq 2 ]] || fail "$bad: expected exit 2, got $rc"
  grep -q -- "$flag" "$work/bad.err" ||
    fail "$bad: the message does not name $flag: $(cat "$work/bad.err")"
  [[ $(wc -l <"$work/bad.err") -eq 1 ]] || fail "$bad: expected a one-line message"
done
"$app" --help >"$work/help.out" || fail "--help must exit 0"
grep -q -- "--latency" "$work/help.out" || fail "--help does not describe the flags"

check "GET / answers 200 'ok VERSION INSTANCE' naming version and instance in headers"
run_app named --version v7 --instance test-a --latency 1ms
http GET "http://127.0.0.1:$port/"
expect_status 200 "GET /"
[[ "$(body)" == "ok v7 test-a" ]] || fail "GET / body: expected 'ok v7 test-a', got '$(body)'"
[[ "$(header X-Deploysim-Version)" == v7 ]] ||
  fail "X-Deploysim-Version: got '$(header X-Deploysim-Version)'"
[[ "$(header X-Deploysim-Instance)" == test-a ]] ||
  fail "X-Deploysim-Instance: got '$(header X-Deploysim-Instance)'"

check "GET /health is 200 'ok' by default"
http GET "http://127.0.0.1:$port/health"
expect_status 200 "GET /health"
[[ "$(header X-Deploysim-Instance)" == test-a ]] || fail "/health lacks X-Deploysim-Instance"

check "POST /admin/error-rate?value=1 turns 200s into 500s; a bad value is 400"
http POST "http://127.0.0.1:$port/admin/error-rate?value=1"
expect_status 200 "POST /admin/error-rate?value=1"
http GET "http://127.0.0.1:$port/"
expect_status 500 "GET / after error-rate 1"
[[ "$(header X-Deploysim-Version)" == v7 ]] || fail "a 500 lacks X-Deploysim-Version"
http POST "http://127.0.0.1:$port/admin/error-rate?value=1.5"
expect_status 400 "POST /admin/error-rate?value=1.5"

check "POST /admin/health?mode=fail makes /health 503; /admin/latency rejects a bad spec"
http POST "http://127.0.0.1:$port/admin/health?mode=fail"
expect_status 200 "POST /admin/health?mode=fail"
http GET "http://127.0.0.1:$port/health"
expect_status 503 "GET /health after mode=fail"
http POST "http://127.0.0.1:$port/admin/latency?spec=bogus"
expect_status 400 "POST /admin/latency?spec=bogus"

check "SIGTERM exits 0"
stop_app

check "--error-rate 1 gives 500, --error-rate 0 gives 200"
run_app always-fails --error-rate 1 --latency 0s
http GET "http://127.0.0.1:$port/"
expect_status 500 "GET / with --error-rate 1"
stop_app
run_app never-fails --error-rate 0 --latency 0s
http GET "http://127.0.0.1:$port/"
expect_status 200 "GET / with --error-rate 0"
stop_app

check "--health fail gives 503 'failing' on /health"
run_app unhealthy --health fail
http GET "http://127.0.0.1:$port/health"
expect_status 503 "GET /health with --health fail"
[[ "$(body)" == failing ]] || fail "/health body: expected 'failing', got '$(body)'"
stop_app

check "/metrics counts 20 requests: requests_total{status=\"200\"} 20 and _count 20"
run_app counted --version v3 --instance test-m --latency 2ms
for _ in $(seq 20); do
  http GET "http://127.0.0.1:$port/"
  expect_status 200 "GET / (metrics check)"
done
http GET "http://127.0.0.1:$port/metrics"
expect_status 200 "GET /metrics"
[[ "$(header Content-Type)" == "text/plain; version=0.0.4" ]] ||
  fail "/metrics Content-Type: got '$(header Content-Type)'"
[[ "$(metric 'deploysim_app_requests_total{status="200"}')" == 20 ]] ||
  fail "requests_total{status=\"200\"}: expected 20:"$'\n'"$(body)"
[[ "$(metric 'deploysim_app_requests_total{status="500"}')" == 0 ]] || fail "expected 0 500s"
[[ "$(metric deploysim_app_request_duration_seconds_count)" == 20 ]] || fail "_count: expected 20"
[[ "$(metric 'deploysim_app_request_duration_seconds_bucket{le="+Inf"}')" == 20 ]] ||
  fail "bucket le=+Inf: expected 20"
# 2ms of service time: nothing at or below 1ms, everything by 1s.
[[ "$(metric 'deploysim_app_request_duration_seconds_bucket{le="0.001"}')" == 0 ]] ||
  fail "bucket le=0.001: expected 0 for a 2ms service time"
[[ "$(metric 'deploysim_app_request_duration_seconds_bucket{le="1"}')" == 20 ]] ||
  fail "bucket le=1: expected 20"
[[ "$(metric deploysim_app_in_flight)" == 0 ]] || fail "in_flight: expected 0"
[[ "$(metric 'deploysim_app_info{version="v3",instance="test-m"}')" == 1 ]] ||
  fail "deploysim_app_info is missing or wrong"
stop_app

check "--capacity 1 with 1s latency and 5 concurrent requests: some answered 503 at once"
run_app small --capacity 1 --latency 1s
requests=()
for i in 1 2 3 4 5; do
  # Each request with its own files, as they run at once.
  mkdir "$work/concurrent.$i"
  (http GET "http://127.0.0.1:$port/" "$work/concurrent.$i" &&
     echo "$status" >"$work/concurrent.$i/status") &
  requests+=($!)
done
wait "${requests[@]}"
statuses=$(cat "$work"/concurrent.*/status | sort | tr '\n' ' ')
grep -q 503 <<<"$statuses" || fail "expected some 503s at capacity 1, got: $statuses"
grep -q 200 <<<"$statuses" || fail "expected one request served at capacity 1, got: $statuses"
http GET "http://127.0.0.1:$port/metrics"
served=$(metric 'deploysim_app_requests_total{status="200"}')
rejected=$(metric 'deploysim_app_requests_total{status="503"}')
[[ $((served + rejected)) -eq 5 && $rejected -ge 1 ]] ||
  fail "metrics: expected 5 requests with some 503, got 200:$served 503:$rejected"
echo "   statuses: $statuses"
stop_app

check "--boot-delay 1s: the port refuses at first, then answers"
start_app booting --boot-delay 1s
sleep 0.2
http GET "http://127.0.0.1:$port/health"
[[ "$status" == 000 ]] || fail "expected a refused connection while booting, got HTTP $status"
wait_listening booting 5
http GET "http://127.0.0.1:$port/health"
expect_status 200 "GET /health after booting"
stop_app

check "--crash-after 1s: exits with status 70"
run_app crashing --crash-after 1s
http GET "http://127.0.0.1:$port/"
expect_status 200 "GET / before the crash"
rc=0
wait "$pid" || rc=$?
[[ $rc -eq 70 ]] || fail "--crash-after: expected exit 70, got $rc"

check "a port in use gives exit 1 and a message naming the port"
run_app holder
rc=0
"$app" --port "$port" >"$work/second.out" 2>"$work/second.err" || rc=$?
[[ $rc -eq 1 ]] || fail "binding a port in use: expected exit 1, got $rc"
grep -q "$port" "$work/second.err" || fail "the bind error does not name port $port"
stop_app

echo "app_test: all checks passed"
