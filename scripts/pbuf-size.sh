#!/usr/bin/env bash
# Measures the packet-buffer size trade-off: how many 1 KB values arrive whole in one
# buffer (zero-copy, one extent) versus spanning two, throughput, and space
# amplification after the load. Prints a markdown table.
# Usage: scripts/pbuf-size.sh [sizes...]   (default: 2048 4096 8192 16384)
set -eu
cd "$(dirname "$0")/.."
SIZES=${*:-2048 4096 8192 16384}
PORT=${PORT:-17400}
dotnet build src/Server -c Release -v q -nologo >/dev/null
echo "| pbuf size | SET 1KB -P16 rps | whole | spanning | space amplification (200K keys) |"
echo "|---:|---:|---:|---:|---:|"
for size in $SIZES; do
  dir=$(mktemp -d /dev/shm/pbufsize.XXXXXX)
  dotnet src/Server/bin/Release/net10.0/PasteRedis.Server.dll --port $PORT --dir "$dir" --pbuf-size "$size" \
    --pmem-granularity cache-line --loglevel warning ${EXTRA:-} >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do [ "$(redis-cli -p $PORT ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
  rps=$(redis-benchmark -p $PORT -t set -d 1024 -n 300000 -r 200000 -c 50 -P 16 -q 2>/dev/null | tr '\r' '\n' | grep -oE 'SET: [0-9.]+' | tail -1 | cut -d' ' -f2)
  info=$(redis-cli -p $PORT info paste | tr -d '\r')
  whole=$(grep values_stored_whole <<<"$info" | cut -d: -f2)
  span=$(grep values_stored_spanning <<<"$info" | cut -d: -f2)
  amp=$(grep space_amplification <<<"$info" | cut -d: -f2)
  total=$((whole + span))
  echo "| $size | $rps | $((100 * whole / total))% | $((100 * span / total))% | $amp |"
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$dir"
done
