#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run every test through ctest; then the
# same tests in an ASan+UBSan build. SRIOVKIT_SANITIZE=0 skips the sanitizer pass.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc)

"$root/tools/build.sh" "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
ctest --test-dir "$root/build" --output-on-failure -j"$jobs"

if [[ ${SRIOVKIT_SANITIZE:-1} != 0 ]]; then
  "$root/tools/build.sh" "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DSRIOVKIT_SANITIZE=ON
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build-asan" --output-on-failure -j"$jobs"
fi
