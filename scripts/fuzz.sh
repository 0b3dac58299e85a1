#!/usr/bin/env bash
# Coverage-guided fuzzing of the protocol reader and the command layer: SharpFuzz
# instruments the assemblies, AFL++ drives test/fuzz/PasteRedis.Fuzz.
#   scripts/fuzz.sh [SECONDS]      (default 600; CI runs a short one)
# Needs afl++ (apt-get install -y afl++); installs the sharpfuzz tool into .tools/.
# New corpus entries are kept in test/fuzz/corpus, crashes in test/fuzz/crashes (each one
# is replayed by FuzzRegressionTests). Ends with "fuzz: N executions, M crashes".
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
if ! command -v afl-fuzz >/dev/null; then
  echo "fuzz: afl-fuzz not found: apt-get install -y afl++" >&2
  exit 2
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tools=$PWD/.tools
[ -x "$tools/sharpfuzz" ] || dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
work=$(mktemp -d /tmp/pasteredis-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
dotnet publish test/fuzz/PasteRedis.Fuzz -c Release -o "$work/bin" >/dev/null
for dll in PasteRedis.Resp.dll PasteRedis.Server.dll PasteRedis.Aof.dll PasteRedis.Paste.dll; do
  "$tools/sharpfuzz" "$work/bin/$dll" >/dev/null
done
mkdir -p test/fuzz/crashes
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
# -t: generous per-input time (the .NET runtime is slow to warm up); -V: stop after SECONDS.
afl-fuzz -i test/fuzz/corpus -o "$work/out" -t 5000 -m none -V "$seconds" -x test/fuzz/resp.dict \
  -- dotnet "$work/bin/PasteRedis.Fuzz.dll" >"$work/afl.log" 2>&1 || { tail -30 "$work/afl.log"; echo "fuzz: afl-fuzz failed"; exit 1; }
stats="$work/out/default/fuzzer_stats"
execs=$(sed -nE 's/^execs_done *: *([0-9]+)/\1/p' "$stats")
crashes=0
for f in "$work/out/default/crashes"/id:*; do
  [ -e "$f" ] || continue
  crashes=$((crashes + 1))
  cp "$f" "test/fuzz/crashes/$(sha1sum "$f" | cut -c1-16)"
done
# Keep the corpus AFL grew (small inputs only, so the repo stays small).
for f in "$work/out/default/queue"/id:*; do
  [ -e "$f" ] || continue
  [ "$(stat -c %s "$f")" -le 4096 ] || continue
  h=$(sha1sum "$f" | cut -c1-16)
  [ -e "test/fuzz/corpus/$h" ] || cp "$f" "test/fuzz/corpus/$h"
done
echo "fuzz: $execs executions, $crashes crashes"
[ "$crashes" = 0 ]
