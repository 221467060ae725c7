#!/usr/bin/env bash
# The whole test suite, what CI runs (.ci/run): install what is missing, then
#   1. build (build/) and run every test through ctest;
#   2. the same tests in an AddressSanitizer+UndefinedBehaviorSanitizer build (build-asan/),
#      then a 2-minute soak of the simulated host there (LeakSanitizer checks it at exit);
#   3. the tests that run threads, in a ThreadSanitizer build (build-tsan/, docs/development.md
#      lists what is left out and why);
#   4. every libFuzzer target for 60 s (tools/fuzz.sh, a clang build in build-fuzz/).
# Any failure stops the run with a non-zero exit. Environment knobs, for local use:
#   SRIOVKIT_SANITIZE=0 skips 2, SRIOVKIT_TSAN=0 skips 3, SRIOVKIT_FUZZ=0 skips 4,
#   SRIOVKIT_SOAK=DURATION changes the soak (0 skips it), SRIOVKIT_FUZZ_SECONDS=N the fuzzing time.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc)
# For the ASan+UBSan stage only: tools/fuzz.sh sets its own (libFuzzer wants other options).
asan_env=(ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
          UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}")

declare -a timings=()
stage_start=$SECONDS
stage() {
  local now=$SECONDS
  [[ -n ${stage_name:-} ]] && timings+=("$(printf '%5d s  %s' $((now - stage_start)) "$stage_name")")
  stage_name=$1
  stage_start=$now
  [[ -n $1 ]] && echo "== test.sh: $1"
  return 0
}
report() {
  stage ""
  echo "== test.sh: stages"
  printf '%s\n' "${timings[@]}"
  printf '%5d s  total\n' "$SECONDS"
}
trap report EXIT

stage "build"
"$root/tools/build.sh" "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
stage "tests"
ctest --test-dir "$root/build" --output-on-failure -j"$jobs"

if [[ ${SRIOVKIT_SANITIZE:-1} != 0 ]]; then
  stage "build (ASan+UBSan)"
  "$root/tools/build.sh" "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DSRIOVKIT_SANITIZE=ON
  stage "tests (ASan+UBSan)"
  env "${asan_env[@]}" ctest --test-dir "$root/build-asan" --output-on-failure -j"$jobs"
  soak=${SRIOVKIT_SOAK:-2m}
  if [[ $soak != 0 ]]; then
    stage "soak $soak (ASan+UBSan, LeakSanitizer)"
    env "${asan_env[@]}" "$root/build-asan/bin/sriov-sim" --soak "$soak"
  fi
fi

if [[ ${SRIOVKIT_TSAN:-1} != 0 ]]; then
  stage "build (TSan, threaded tests)"
  SRIOVKIT_BUILD_TARGETS="test_hal test_harness_threads test_ctl test_vfio" \
    "$root/tools/build.sh" "$root/build-tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSRIOVKIT_TSAN=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG"
  stage "threaded tests (TSan)"
  "$root/tools/tsan-tests.sh" "$root/build-tsan"
fi

if [[ ${SRIOVKIT_FUZZ:-1} != 0 ]]; then
  stage "fuzz"
  "$root/tools/fuzz.sh" --seconds "${SRIOVKIT_FUZZ_SECONDS:-60}" --jobs "$jobs"
fi
stage ""
