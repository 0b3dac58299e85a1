#!/usr/bin/env bash
# Side-by-side throughput with the real redis-benchmark, one machine, one run.
# Servers are interleaved round by round (A B C … A B C …) and medians reported,
# because these machines are noisy. Writes the table to bench/results/DATE-HOST.md.
#
#   scripts/bench.sh                 # 3 rounds, 200k requests per test
#   ROUNDS=1 N=20000 scripts/bench.sh   # the short version CI runs (no speed asserted)
#   DATA_ROOT=/mnt/pmem scripts/bench.sh  # data dirs elsewhere (default /dev/shm)
#
# Needs redis-server and redis-benchmark (apt-get install -y redis-server redis-tools).
# Garnet is not run yet (its dotnet tool is not installed here): no Garnet ratio is claimed.
set -u
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}; N=${N:-200000}; DATA_ROOT=${DATA_ROOT:-/dev/shm}
# Emulated NVMM as the paper measured it, with the region pre-faulted (as netmap pre-allocates its buffers).
PASTE_OPTS=${PASTE_OPTS:---pmem-granularity cache-line --pbuf-memory 512mb --pbuf-prefault yes}
for t in redis-server redis-benchmark redis-cli; do
  command -v $t >/dev/null || { echo "bench: $t is not installed (apt-get install -y redis-server redis-tools)"; exit 1; }
done
dotnet build src/Server -c Release -v q -nologo >/dev/null || exit 1
DLL=src/Server/bin/Release/net10.0/PasteRedis.Server.dll

SERVERS=(paste-ref paste-copy paste-off redis-always redis-none)
WORKLOADS=("SET 64B -c50 -P16|-t set -d 64 -c 50 -P 16" "SET 1KB -c50 -P16|-t set -d 1024 -c 50 -P 16"
           "GET 1KB -c50 -P16|-t get -d 1024 -c 50 -P 16" "SET 1KB -c50 -P1|-t set -d 1024 -c 50 -P 1"
           "SET 1KB -c1 -P1|-t set -d 1024 -c 1 -P 1")
port=18100
start_server() { # name dir port — exec, so that $! is the server itself and kill stops it
  case $1 in
    paste-ref)  exec dotnet $DLL --port $3 --dir $2 $PASTE_OPTS --aof-mode reference --loglevel warning ;;
    paste-copy) exec dotnet $DLL --port $3 --dir $2 $PASTE_OPTS --aof-mode copy --loglevel warning ;;
    paste-off)  exec dotnet $DLL --port $3 --dir $2 $PASTE_OPTS --appendonly no --loglevel warning ;;
    redis-always) exec redis-server --port $3 --bind 127.0.0.1 --dir $2 --save "" --appendonly yes --appendfsync always --logfile $2/log ;;
    redis-none)   exec redis-server --port $3 --bind 127.0.0.1 --dir $2 --save "" --appendonly no --logfile $2/log ;;
  esac
}
declare -A RESULTS
FAILURES=()
pid=""; dir=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$dir" ] && rm -rf "$dir"' EXIT
for round in $(seq 1 $ROUNDS); do
  for s in "${SERVERS[@]}"; do
    port=$((port + 1)); dir=$(mktemp -d "$DATA_ROOT/bench-$s.XXXXXX")
    start_server $s $dir $port >/dev/null 2>&1 & pid=$!
    for _ in $(seq 1 200); do [ "$(redis-cli -p $port ping 2>/dev/null)" = PONG ] && break; sleep 0.05; done
    for w in "${WORKLOADS[@]}"; do
      name=${w%%|*}; args=${w#*|}
      n=$N; [[ $name == *"-c1 "* ]] && n=$((N / 10))
      out=$(redis-benchmark -p $port -n $n -q --csv $args 2>"$dir/bench.err" | tail -1)
      if [[ $out != '"SET"'* && $out != '"GET"'* ]]; then
        FAILURES+=("$s $name: $(tr '\r\n' '  ' < "$dir/bench.err" | head -c 300) $(redis-cli -p $port info persistence 2>&1 | grep -E 'aof_last_write_status' | tr -d '\r')")
        continue
      fi
      rps=$(echo "$out" | cut -d, -f2 | tr -d '"'); p50=$(echo "$out" | cut -d, -f6 | tr -d '"'); p99=$(echo "$out" | cut -d, -f8 | tr -d '"')
      RESULTS["$s|$name"]+="$rps:$p50:$p99 "
    done
    kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"; pid=""; dir=""
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "")}'; }
field() { echo "${RESULTS[$1]}" | tr ' ' '\n' | cut -d: -f$2 | tr '\n' ' ' | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
out="bench/results/$(date +%F)-$(hostname).md"; mkdir -p bench/results
{
  echo "# PasteRedis vs Redis $(redis-server --version | grep -oE 'v=[0-9.]+' | cut -d= -f2), $(date +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo; echo "redis-benchmark medians of $ROUNDS interleaved round(s), $N requests (the -c1 row: $((N / 10))); data dirs on $DATA_ROOT; PasteRedis with $PASTE_OPTS."
  echo; echo "| workload | server | req/s | p50 ms | p99 ms | vs Redis always | vs Redis no persistence |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  for w in "${WORKLOADS[@]}"; do
    name=${w%%|*}; ra=$(field "redis-always|$name" 1); rn=$(field "redis-none|$name" 1)
    for s in "${SERVERS[@]}"; do
      r=$(field "$s|$name" 1)
      echo "| $name | $s | $r | $(field "$s|$name" 2) | $(field "$s|$name" 3) | $(ratio $r $ra) | $(ratio $r $rn) |"
    done
  done
} | tee "$out"
echo "bench: written to $out"
if [ ${#FAILURES[@]} -gt 0 ]; then
  printf 'bench: a run failed: %s\n' "${FAILURES[@]}"
  exit 1
fi
