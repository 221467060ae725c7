#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, a clang build in build-fuzz/) and runs each for a bounded
# time, seeded from fuzz/corpus/<target>/. Fails if any target crashes, leaks, trips a sanitizer
# or breaks an invariant; the input that did it is left in build-fuzz/artifacts/.
#   tools/fuzz.sh                         every target, 60 s each, one after the other
#   tools/fuzz.sh --jobs 2                the same, two targets at a time (what CI runs)
#   tools/fuzz.sh --seconds 3600 --target fuzz_engine
#   tools/fuzz.sh --build-only
# docs/fuzzing.md says more (longer runs, reproducing a crash, adding a seed).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

targets_all=(fuzz_pf_mailbox fuzz_rtnl_parse fuzz_engine fuzz_sriovctl_args)
seconds=60
targets=()
build_only=0
jobs=1
dir=${SRIOVKIT_FUZZ_BUILD_DIR:-$root/build-fuzz}
cc=${SRIOVKIT_FUZZ_CC:-clang-19}
cxx=${SRIOVKIT_FUZZ_CXX:-clang++-19}

usage() {
  echo "usage: tools/fuzz.sh [--seconds N] [--target NAME]... [--jobs N] [--build-only]" >&2
  echo "targets: ${targets_all[*]}" >&2
  exit 2
}

while (($#)); do
  case $1 in
    --seconds)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage
      seconds=$2
      shift 2
      ;;
    --target)
      [[ " ${targets_all[*]} " == *" ${2:-} "* ]] || { echo "fuzz.sh: unknown target '${2:-}'" >&2; usage; }
      targets+=("$2")
      shift 2
      ;;
    --jobs)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage
      jobs=$2
      shift 2
      ;;
    --build-only)
      build_only=1
      shift
      ;;
    -h | --help) usage ;;
    *) echo "fuzz.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
((${#targets[@]})) || targets=("${targets_all[@]}")

"$root/tools/install-deps.sh" --fuzz
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSRIOVKIT_FUZZ=ON -DBUILD_TESTING=OFF \
  -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=8 -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
cmake --build "$dir" -j"${SRIOVKIT_BUILD_JOBS:-$(nproc)}" --target "${targets[@]}"
((build_only)) && exit 0

# Leaks count (each input must free what it took); any sanitizer report ends the run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Reports with function names and lines (clang-19's symbolizer is not on PATH).
symbolizer=$(command -v llvm-symbolizer-19 || echo /usr/lib/llvm-19/bin/llvm-symbolizer)
[[ -x $symbolizer ]] && export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$symbolizer}

# One target: its output goes to a log of its own, shown when it ends (targets running side
# by side would interleave theirs).
fuzz_one() {
  local t=$1
  # New inputs go to the build directory's corpus; the committed seeds are only read.
  local work=$dir/corpus/$t artifacts=$dir/artifacts
  mkdir -p "$work" "$artifacts" "$dir/logs"
  # The mailbox target's inputs are records of up to 66 bytes, and a flood takes hundreds.
  local max_len=4096
  [[ $t == fuzz_pf_mailbox ]] && max_len=16384
  "$dir/bin/$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
    "$work" "$root/fuzz/corpus/$t" >"$dir/logs/$t.log" 2>&1
}

failed=()
declare -A pid_target=()
# Waits for whichever running target ends first and reports it.
reap_one() {
  local pid rc=0
  wait -n -p pid || rc=$?
  local t=${pid_target[$pid]}
  unset "pid_target[$pid]"
  if ((rc == 0)); then
    echo "== $t: ${seconds} s, no failure ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$dir/logs/$t.log" | grep -o '[0-9]*$') inputs run)"
  else
    echo "== $t: FAILED (exit $rc); the end of its log, $dir/logs/$t.log:"
    tail -n 60 "$dir/logs/$t.log"
    failed+=("$t")
  fi
}
for t in "${targets[@]}"; do
  while ((${#pid_target[@]} >= jobs)); do reap_one; done
  echo "== $t: running ${seconds} s"
  fuzz_one "$t" &
  pid_target[$!]=$t
done
while ((${#pid_target[@]})); do reap_one; done

if ((${#failed[@]})); then
  echo "fuzz.sh: FAILED: ${failed[*]} (inputs in $dir/artifacts/; docs/fuzzing.md, reproducing)" >&2
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} target(s) ran ${seconds} s each without a failure"
