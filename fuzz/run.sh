#!/usr/bin/env bash
# Runs one fuzz target under AFL++ for a given time: fuzz/run.sh TARGET SECONDS
# Needs: the .NET SDK, afl++ (apt-get install -y afl++) and the sharpfuzz tool
# (dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0). Builds and instruments the harness once (into
# fuzz/out), writes the seed corpora (fuzz/out/seeds), fuzzes into fuzz/out/findings/TARGET and prints the figures
# from AFL's fuzzer_stats. Exit status 1 when AFL saved a crash or a hang.
set -euo pipefail
target=${1:?usage: fuzz/run.sh TARGET SECONDS}
seconds=${2:?usage: fuzz/run.sh TARGET SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
out=$here/out
export PATH="$PATH:$HOME/.dotnet/tools"
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install -y afl++ (or use: dotnet $out/DeepFM.Fuzz.dll random TARGET SECONDS $out/seeds)" >&2; exit 2; }
command -v sharpfuzz >/dev/null || { echo "sharpfuzz not found: dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0" >&2; exit 2; }

if [[ ! -f $out/.instrumented ]]; then
  dotnet publish "$here/DeepFM.Fuzz/DeepFM.Fuzz.csproj" -c Release -o "$out" --nologo -v q
  # Seeds come from the plain build; then the library assemblies get AFL's coverage instrumentation.
  rm -rf "$out/seeds"
  dotnet "$out/DeepFM.Fuzz.dll" seeds "$out/seeds"
  sharpfuzz "$out/DeepFM.dll"
  sharpfuzz "$out/DeepFM.Serving.dll"
  touch "$out/.instrumented"
fi
[[ -d $out/seeds/$target ]] || { echo "unknown target $target (have: $(ls "$out/seeds" | tr '\n' ' '))" >&2; exit 2; }

findings=$out/findings/$target
rm -rf "$findings"
mkdir -p "$findings"
# The harness is a managed program: AFL cannot see instrumentation in the dotnet host (SharpFuzz speaks the fork
# server protocol from inside), core dumps and CPU governors are not this script's business, and -t allows for the
# runtime's start-up. The scratch files go to memory where there is a /dev/shm.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1
[[ -d /dev/shm ]] && export DEEPFM_FUZZ_TMP=/dev/shm
timeout $((seconds + 120)) afl-fuzz -i "$out/seeds/$target" -o "$findings" -V "$seconds" -t 10000 -m none \
  -- dotnet "$out/DeepFM.Fuzz.dll" "$target" > "$findings/afl.log" 2>&1 || true
stats=$findings/default/fuzzer_stats
[[ -f $stats ]] || { echo "$target: afl-fuzz produced no stats; see $findings/afl.log" >&2; tail -20 "$findings/afl.log" >&2; exit 2; }
get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
crashes=$(get saved_crashes); hangs=$(get saved_hangs)
echo "$target: $(get execs_done) executions in $(get run_time) s ($(get execs_per_sec)/s), $(get corpus_count) corpus entries, edges $(get edges_found), crashes $crashes, hangs $hangs"
[[ $crashes == 0 && $hangs == 0 ]]
