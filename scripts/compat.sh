#!/usr/bin/env bash
# Drives a built PasteRedis server with the real redis-cli and redis-benchmark.
# Fails on any error reply, missing benchmark test or wrong answer.
# Prints "compat: N passed, M failed" as its last line.
# Usage: scripts/compat.sh [--quick]   (needs redis-tools: apt-get install -y redis-tools)
set -u
cd "$(dirname "$0")/.."
QUICK=0; [ "${1:-}" = "--quick" ] && QUICK=1

for tool in redis-cli redis-benchmark; do
  if ! command -v "$tool" >/dev/null; then
    echo "compat: $tool is not installed (apt-get install -y redis-tools); cannot run the compatibility checks" >&2
    echo "compat: 0 passed, 1 failed"
    exit 1
  fi
done

dotnet build src/Server -c Release -v q -nologo >/dev/null || { echo "compat: build failed"; echo "compat: 0 passed, 1 failed"; exit 1; }
PORT=${COMPAT_PORT:-16379}
DIR=$(mktemp -d /dev/shm/pasteredis-compat.XXXXXX 2>/dev/null || mktemp -d)
LOG="$DIR/server.log"
dotnet src/Server/bin/Release/net10.0/PasteRedis.Server.dll --port "$PORT" --dir "$DIR/data" >"$LOG" 2>&1 &
PID=$!
cleanup() { kill "$PID" ${SPID:-} 2>/dev/null; wait "$PID" ${SPID:-} 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  [ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = "PONG" ] && break
  sleep 0.1
done

passed=0; failed=0
ok()   { passed=$((passed+1)); echo "  ok   $1"; }
fail() { failed=$((failed+1)); echo "  FAIL $1"; [ -n "${2:-}" ] && printf '       %s\n' "$2"; }
expect() { # name expected actual
  if [ "$3" = "$2" ]; then ok "$1"; else fail "$1" "expected [$2] got [$3]"; fi
}
cli() { redis-cli -p "$PORT" "$@" 2>&1; }

echo "redis-cli:"
expect "PING"                 "PONG"    "$(cli ping)"
expect "SET"                  "OK"      "$(cli set compat:key hello)"
expect "GET"                  "hello"   "$(cli get compat:key)"
expect "GET --no-raw"         '"hello"' "$(cli --no-raw get compat:key)"
expect "INCR --no-raw"        "(integer) 1" "$(cli --no-raw incr compat:counter)"
expect "missing key --no-raw" "(nil)"   "$(cli --no-raw get compat:missing)"
expect "wrong command"        "ERR unknown command 'nosuchcmd', with args beginning with: 'x' " "$(cli nosuchcmd x)"
expect "wrong arity"          "ERR wrong number of arguments for 'get' command" "$(cli get)"
expect "wrong command --no-raw" "(error) ERR unknown command 'nosuchcmd', with args beginning with: " "$(cli --no-raw nosuchcmd)"
info=$(cli info server)
case "$info" in *redis_version:7.*) ok "INFO server";; *) fail "INFO server" "$info";; esac
expect "CONFIG GET appendonly" "$(printf 'appendonly\nyes')" "$(cli config get appendonly)"
expect "pipe mode" "All data transferred. Waiting for the last reply...
Last reply received from server.
errors: 0, replies: 3" "$(printf 'SET p1 a\r\nSET p2 b\r\nINCR p3\r\n' | redis-cli -p "$PORT" --pipe 2>&1)"

N=50000; [ "$QUICK" = 1 ] && N=5000
bench() { # name, then redis-benchmark args; every test named in -t must report requests per second
  local name=$1; shift
  local out
  out=$(redis-benchmark -p "$PORT" -q "$@" 2>&1)
  local tests=$(printf '%s\n' "$@" | awk 'prev=="-t"{print} {prev=$0}')
  local missing=""
  for t in ${tests//,/ }; do
    local T=$(echo "$t" | tr a-z A-Z)
    printf '%s\n' "$out" | tr '\r' '\n' | grep -q "^$T.*: [0-9.]* requests per second" || missing="$missing $T"
  done
  if printf '%s\n' "$out" | grep -qiE 'error|ERR '; then fail "$name" "$(printf '%s\n' "$out" | tr '\r' '\n' | grep -iE 'error|ERR ' | head -3)"
  elif [ -n "$missing" ]; then fail "$name" "missing:$missing"
  else ok "$name"; printf '%s\n' "$out" | tr '\r' '\n' | grep 'requests per second' | sed 's/^/       /'; fi
}
echo "redis-benchmark:"
bench "-t ping,set,get,incr,mset -c 50"        -t ping,set,get,incr,mset -n "$N" -c 50
bench "-t ping,set,get,incr,mset -c 50 -P 16"  -t ping,set,get,incr,mset -n "$N" -c 50 -P 16
bench "-t set,get -d 1024"                     -t set,get -n "$N" -c 50 -d 1024
bench "-t set,get -d 1024 -P 16"               -t set,get -n "$N" -c 50 -d 1024 -P 16

# redis-benchmark's default suite (no -t): every data type, LRANGE and MSET included.
DEFAULT_SUITE="PING_INLINE PING_MBULK SET GET INCR LPUSH RPUSH LPOP RPOP SADD HSET SPOP ZADD ZPOPMIN LRANGE_100 LRANGE_300 LRANGE_500 LRANGE_600 MSET"
out=$(redis-benchmark -p "$PORT" -q -n 20000 2>&1 | tr '\r' '\n')
missing=""
for t in $DEFAULT_SUITE; do printf '%s\n' "$out" | grep -q "^$t.*: [0-9.]* requests per second" || missing="$missing $t"; done
if printf '%s\n' "$out" | grep -qiE 'error|ERR '; then fail "default suite -n 20000" "$(printf '%s\n' "$out" | grep -iE 'error|ERR ' | head -3)"
elif [ -n "$missing" ]; then fail "default suite -n 20000" "missing:$missing"
else ok "default suite -n 20000 (no -t)"; printf '%s\n' "$out" | grep 'requests per second' | sed 's/^/       /'; fi

if ! kill -0 "$PID" 2>/dev/null; then fail "server still running" "$(tail -20 "$LOG")"; else ok "server still running"; fi

# Sustained writes in a small region (32 MB): random keys, pipelined, the data types' writes,
# many times the region. The log pins what it references until a compaction, so compaction
# must keep up and must always be able to complete: this load once left the server answering
# -OOM for good (a full region, a compaction that needed buffers) and ran writes it could not
# log. Then kill -9 and a restart: every acknowledged write is there.
SPORT=$((PORT + 1)); SDIR="$DIR/sustained"
start_small() { dotnet src/Server/bin/Release/net10.0/PasteRedis.Server.dll --port "$SPORT" --dir "$SDIR" --pbuf-memory 32mb >>"$DIR/sustained.log" 2>&1 & SPID=$!; }
start_small
for _ in $(seq 1 100); do [ "$(redis-cli -p "$SPORT" ping 2>/dev/null)" = "PONG" ] && break; sleep 0.1; done
SN=300000; [ "$QUICK" = 1 ] && SN=100000
out=$(redis-benchmark -p "$SPORT" -q -n "$SN" -r 20000 -P 16 -c 50 -d 256 -t set,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,mset 2>&1 | tr '\r' '\n')
if printf '%s\n' "$out" | grep -qiE 'error|ERR '; then fail "sustained writes, 32 MB region, -n $SN -r 20000 -P 16" "$(printf '%s\n' "$out" | grep -iE 'error|ERR ' | head -3)"
elif [ "$(printf '%s\n' "$out" | grep -c 'requests per second')" != 12 ]; then fail "sustained writes, 32 MB region, -n $SN -r 20000 -P 16" "$(printf '%s\n' "$out" | tail -3)"
else ok "sustained writes, 32 MB region, -n $SN -r 20000 -P 16 ($(redis-cli -p "$SPORT" info persistence | grep -E '^aof_rewrites:' | tr -d '\r'))"; fi
expect "every write logged (aof_last_write_status)" "aof_last_write_status:ok" "$(redis-cli -p "$SPORT" info persistence | grep aof_last_write_status | tr -d '\r')"
before=$(redis-cli -p "$SPORT" dbsize); llen=$(redis-cli -p "$SPORT" llen mylist)
kill -9 "$SPID"; wait "$SPID" 2>/dev/null
start_small
for _ in $(seq 1 300); do [ "$(redis-cli -p "$SPORT" ping 2>/dev/null)" = "PONG" ] && break; sleep 0.1; done
expect "kill -9 and restart keep every key and element" "$before $llen" "$(redis-cli -p "$SPORT" dbsize) $(redis-cli -p "$SPORT" llen mylist)"
kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null

echo "compat: $passed passed, $failed failed"
[ "$failed" = 0 ]
