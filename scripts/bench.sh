#!/usr/bin/env bash
# Side-by-side benchmarks with the real redis-benchmark, one machine, one run:
# PasteRedis (reference log, copy log, no log), Redis 7 (appendfsync always, no
# persistence) and Garnet (AOF with commit-wait, no AOF). Servers are interleaved round
# by round (A B C … A B C …) and medians reported, because these machines are noisy.
# Then recovery (load KEYS × 1 KB, restart, time to first reply and to data served) and
# memory per key, PasteRedis against Redis. Writes bench/results/DATE-HOST.md.
#
#   scripts/bench.sh                              # 3 rounds, 200k requests, 1 M keys
#   ROUNDS=1 N=2000 KEYS=2000 scripts/bench.sh    # the short version CI runs (no speed asserted)
#   DATA_ROOT=/mnt/pmem scripts/bench.sh          # data dirs elsewhere (default: see below)
#
# Emulated NVMM: DAX maps NVMM with 2 MB pages; a stock /dev/shm gives 4 KB ones (every first
# touch of a page in a new process faults: in a VM, microseconds each). As root, with no
# DATA_ROOT given, the script mounts a tmpfs with huge=within_size for every server's data
# (PasteRedis, Redis and Garnet alike) and unmounts it at the end; otherwise /dev/shm.
#
# Needs redis-server and redis-benchmark (apt-get install -y redis-server redis-tools);
# installs Garnet (the garnet-server dotnet tool) into .tools/ when it can, else leaves it out.
set -u
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}; N=${N:-200000}; KEYS=${KEYS:-1000000}
HUGE_MOUNT=""
if [ -z "${DATA_ROOT:-}" ]; then
  DATA_ROOT=/dev/shm
  if [ "$(id -u)" = 0 ] && [ -e /sys/kernel/mm/transparent_hugepage/shmem_enabled ]; then
    HUGE_MOUNT=$(mktemp -d /tmp/pasteredis-bench-nvmm.XXXXXX)
    if mount -t tmpfs -o size=50%,huge=within_size tmpfs "$HUGE_MOUNT" 2>/dev/null; then DATA_ROOT=$HUGE_MOUNT
    else rmdir "$HUGE_MOUNT"; HUGE_MOUNT=""; fi
  fi
fi
DATA_PAGES=$([ -n "$HUGE_MOUNT" ] && echo "tmpfs huge=within_size (2 MB pages, as DAX)" || echo "$(stat -f -c %T "$DATA_ROOT" 2>/dev/null)")
# Emulated NVMM as the paper measured it, with the region pre-faulted (as netmap pre-allocates its buffers).
PASTE_OPTS=${PASTE_OPTS:---pmem-granularity cache-line --pbuf-memory 512mb --pbuf-prefault yes}
for t in redis-server redis-benchmark redis-cli; do
  command -v $t >/dev/null || { echo "bench: $t is not installed (apt-get install -y redis-server redis-tools)"; exit 1; }
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Published as a deployment would be: ReadyToRun (precompiled, so the server answers
# sooner after a start; hot code is still re-jitted with profile data).
dotnet publish src/Server -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -o .tools/pasteredis -v q -nologo >/dev/null || exit 1
DLL=.tools/pasteredis/PasteRedis.Server.dll
GARNET=${GARNET:-$PWD/.tools/garnet-server}
[ -x "$GARNET" ] || dotnet tool install --tool-path "$PWD/.tools" garnet-server --version 2.2.8 >/dev/null 2>&1
SERVERS=(paste-ref paste-copy paste-off redis-always redis-none)
if [ -x "$GARNET" ]; then SERVERS+=(garnet-aof garnet-none); else echo "bench: Garnet could not be installed; its rows are left out"; fi

WORKLOADS=()
for conf in "-c 50 -P 1" "-c 50 -P 16" "-c 1 -P 1"; do
  for size in 64 1024; do
    label="$([ $size = 64 ] && echo 64B || echo 1KB) $(echo "$conf" | tr -d ' ' | sed 's/-P/ -P/')"
    WORKLOADS+=("SET $label|-t set -d $size $conf" "GET $label|-t get -d $size $conf")
  done
done
port=18100
start_server() { # name dir port — exec, so that $! is the server itself and kill stops it
  case $1 in
    paste-ref)  exec dotnet $DLL --port $3 --dir $2 $PASTE_OPTS --aof-mode reference --loglevel warning ;;
    paste-copy) exec dotnet $DLL --port $3 --dir $2 $PASTE_OPTS --aof-mode copy --loglevel warning ;;
    paste-off)  exec dotnet $DLL --port $3 --dir $2 $PASTE_OPTS --appendonly no --loglevel warning ;;
    paste-big)  exec dotnet $DLL --port $3 --dir $2 --pmem-granularity cache-line --pbuf-memory 4gb --aof-max-size 1gb --loglevel warning ;;
    redis-always) exec redis-server --port $3 --bind 127.0.0.1 --dir $2 --save "" --appendonly yes --appendfsync always --logfile $2/log ;;
    redis-none)   exec redis-server --port $3 --bind 127.0.0.1 --dir $2 --save "" --appendonly no --logfile $2/log ;;
    garnet-aof)  exec "$GARNET" --port $3 --bind 127.0.0.1 --checkpointdir $2 --device-type RandomAccess -m 2g --aof --aof-commit-freq 0 --aof-commit-wait ;;
    garnet-none) exec "$GARNET" --port $3 --bind 127.0.0.1 --checkpointdir $2 --device-type RandomAccess -m 2g ;;
  esac
}
# A pause without a process: a read with a timeout on a FIFO no one writes to.
PAUSE_FIFO=$(mktemp -u); mkfifo "$PAUSE_FIFO"; exec 9<>"$PAUSE_FIFO"; rm -f "$PAUSE_FIFO"
pause() { read -r -t "$1" -u 9 || true; }
# wait_ping port [any] — ms until the server answers PING with PONG (or with anything, e.g.
# -LOADING, when $2 is "any"), or "timeout" after 30 s. Bash's own /dev/tcp, one connection,
# a PING every 10 ms: the probe must not take the CPU it is timing. Forking redis-cli (and
# sleep) every 10 ms cost a restart of 1 M records 0.3 s of a 1.0 s replay on two cores,
# and Redis's AOF load 10 %.
wait_ping() {
  local t0=${EPOCHREALTIME//[.,]/} r # microseconds (the decimal point is the locale's); no fork
  while (( ${EPOCHREALTIME//[.,]/} - t0 < 30000000 )); do
    if { exec 3<>/dev/tcp/127.0.0.1/$1; } 2>/dev/null; then
      # Until the deadline too: a server may answer -LOADING for ever.
      while (( ${EPOCHREALTIME//[.,]/} - t0 < 30000000 )) && printf 'PING\r\n' >&3 2>/dev/null && IFS= read -r -t 5 -u 3 r; do
        r=${r%$'\r'}
        if [ "$r" = +PONG ] || { [ "${2:-}" = any ] && [ -n "$r" ]; }; then
          exec 3>&-; echo $(( (${EPOCHREALTIME//[.,]/} - t0) / 1000 )); return
        fi
        pause 0.01
      done
      exec 3>&-
    fi
    pause 0.01
  done
  echo timeout
}
# cpu_ticks PID: the server's CPU time so far, user + system, all its threads (clock ticks).
cpu_ticks() { sed 's/^.*) //' /proc/$1/stat 2>/dev/null | awk '{print $12 + $13}'; }
CLK_TCK=$(getconf CLK_TCK)
# csv_column CSV NAME: the value under header NAME in redis-benchmark's --csv output (header line, then one row).
csv_column() {
  local i; i=$(echo "$1" | grep '^"test"' | tr ',' '\n' | grep -nx "\"$2\"" | cut -d: -f1)
  [ -n "$i" ] && echo "$1" | tail -1 | cut -d, -f"$i" | tr -d '"'
}
declare -A RESULTS
FAILURES=()
pid=""; dir=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; [ -n "$dir" ] && rm -rf "$dir"; [ -n "$HUGE_MOUNT" ] && umount "$HUGE_MOUNT" && rmdir "$HUGE_MOUNT"' EXIT
for round in $(seq 1 $ROUNDS); do
  for s in "${SERVERS[@]}"; do
    port=$((port + 1)); dir=$(mktemp -d "$DATA_ROOT/bench-$s.XXXXXX")
    start_server $s $dir $port >/dev/null 2>&1 & pid=$!
    [ "$(wait_ping $port)" = timeout ] && { FAILURES+=("$s did not start"); kill $pid; rm -rf "$dir"; pid=""; dir=""; continue; }
    # Warm-up, not measured, the same for every server: the .NET servers' JIT reaches its
    # optimised, profile-guided code only after a second or so of load (a 200k-request run
    # right after start measured 180K where the same server later did 470K); Garnet stalls
    # for seconds on its first writes.
    for d in 64 1024; do redis-benchmark -p $port -t set,get -n $N -d $d -c 50 -P 16 -q >/dev/null 2>&1; done
    redis-benchmark -p $port -t set,get -n $((N / 4)) -d 64 -c 50 -P 1 -q >/dev/null 2>&1
    for w in "${WORKLOADS[@]}"; do
      name=${w%%|*}; args=${w#*|}
      n=$N; [[ $name == *"-c1 "* ]] && n=$((N / 10))
      # The server's CPU per request as well as its rate: the rate of a run can be the client's
      # (redis-benchmark takes a core of the two here), the CPU it took is the server's own.
      cpu0=$(cpu_ticks $pid)
      csv=$(redis-benchmark -p $port -n $n -q --csv $args 2>"$dir/bench.err"); out=$(echo "$csv" | tail -1)
      cpu=$(awk -v a="$cpu0" -v b="$(cpu_ticks $pid)" -v hz=$CLK_TCK -v n=$n 'BEGIN { if (a != "" && b != "") printf "%.2f", (b - a) * 1e6 / hz / n }')
      if [[ $out != '"SET"'* && $out != '"GET"'* ]]; then
        FAILURES+=("$s $name: $(tr '\r\n' '  ' < "$dir/bench.err" | head -c 300)")
        continue
      fi
      # Columns by their header names ("test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...):
      # counting positions once reported p95 as p50 and the maximum as p99.
      rps=$(csv_column "$csv" rps); p50=$(csv_column "$csv" p50_latency_ms); p99=$(csv_column "$csv" p99_latency_ms)
      [[ -n $rps && -n $p50 && -n $p99 ]] || { FAILURES+=("$s $name: no rps/p50/p99 columns in: $(echo "$csv" | head -1)"); continue; }
      RESULTS["$s|$name"]+="$rps:$p50:$p99:${cpu:-} "
    done
    kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"; pid=""; dir=""
  done
done

# Recovery and memory: KEYS SETs of 1 KB (random keys over KEYS, so about 63 % distinct), then a restart.
declare -A RECOVERY
for s in paste-big redis-always; do
  port=$((port + 1)); dir=$(mktemp -d "$DATA_ROOT/bench-recovery-$s.XXXXXX")
  start_server $s $dir $port >/dev/null 2>&1 & pid=$!
  wait_ping $port >/dev/null
  redis-benchmark -p $port -t set -n $KEYS -r $KEYS -d 1024 -c 50 -P 16 -q >/dev/null 2>&1
  keys=$(redis-cli -p $port dbsize)
  rss=$(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) * 1024 ))
  kill -TERM $pid; wait $pid 2>/dev/null
  disk=$(( $(du -sk "$dir" | cut -f1) * 1024 ))
  start_server $s $dir $port >/dev/null 2>&1 & pid=$!
  first=$(wait_ping $port any); served=$(wait_ping $port)
  [[ $first =~ ^[0-9]+$ && $served =~ ^[0-9]+$ ]] && served=$((first + served))
  after=$(redis-cli -p $port dbsize)
  [ "$after" = "$keys" ] || FAILURES+=("$s recovered $after keys of $keys")
  RECOVERY[$s]="$keys|$first|$served|$(( rss / (keys > 0 ? keys : 1) ))|$(( disk / (keys > 0 ? keys : 1) ))"
  kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"; pid=""; dir=""
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "")}'; }
field() { echo "${RESULTS[$1]:-}" | tr ' ' '\n' | cut -d: -f$2 | tr '\n' ' ' | median; }
ratio() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }
out="bench/results/$(date +%F)-$(hostname).md"; mkdir -p bench/results
{
  echo "# PasteRedis vs Redis $(redis-server --version | grep -oE 'v=[0-9.]+' | cut -d= -f2) and Garnet $([ -x "$GARNET" ] && "$GARNET" --version 2>/dev/null | head -1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' || echo '(not run)'), $(date +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo; echo "redis-benchmark medians of $ROUNDS interleaved round(s), $N requests (the -c1 rows: $((N / 10))); data dirs on $DATA_ROOT ($DATA_PAGES); PasteRedis with $PASTE_OPTS; Redis appendfsync always / no persistence; Garnet --aof --aof-commit-freq 0 --aof-commit-wait / no AOF."
  echo "Server CPU µs/req: the server process's CPU time (user + system, every thread, from /proc) over the run, per request; its tick is $((1000 / CLK_TCK)) ms."
  echo; echo "| workload | server | req/s | p50 ms | p99 ms | server CPU µs/req | vs Redis always | vs Redis none | vs Garnet AOF | vs Garnet none |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for w in "${WORKLOADS[@]}"; do
    name=${w%%|*}
    ra=$(field "redis-always|$name" 1); rn=$(field "redis-none|$name" 1); ga=$(field "garnet-aof|$name" 1); gn=$(field "garnet-none|$name" 1)
    for s in "${SERVERS[@]}"; do
      r=$(field "$s|$name" 1)
      echo "| $name | $s | $r | $(field "$s|$name" 2) | $(field "$s|$name" 3) | $(field "$s|$name" 4) | $(ratio $r $ra) | $(ratio $r $rn) | $(ratio $r $ga) | $(ratio $r $gn) |"
    done
  done
  echo; echo "Recovery and memory: $KEYS SETs of 1 KB over $KEYS random keys, SIGTERM, restart (PasteRedis: reference log, cache-line flushes; Redis: appendonly yes, appendfsync always)."
  echo; echo "| server | keys | first reply ms | data served ms | RSS bytes/key | data-dir bytes/key |"
  echo "|---|---:|---:|---:|---:|---:|"
  for s in paste-big redis-always; do
    IFS='|' read -r k f sv r d <<<"${RECOVERY[$s]:-||||}"
    echo "| $([ $s = paste-big ] && echo paste-ref || echo $s) | $k | $f | $sv | $r | $d |"
  done
  IFS='|' read -r _ _ ps _ _ <<<"${RECOVERY[paste-big]:-||||}"; IFS='|' read -r _ _ rs _ _ <<<"${RECOVERY[redis-always]:-||||}"
  echo; echo "Restart until data is served: Redis takes $(ratio "$rs" "$ps")× as long as PasteRedis."
} | tee "$out"
echo "bench: written to $out"
if [ ${#FAILURES[@]} -gt 0 ]; then
  printf 'bench: a run failed: %s\n' "${FAILURES[@]}"
  exit 1
fi
