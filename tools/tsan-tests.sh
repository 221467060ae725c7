#!/usr/bin/env bash
# Runs the tests that start threads of their own (the Catch tag [threads], and every test of
# test_ctl, whose control server runs on a thread) from a ThreadSanitizer build tree ($1, built
# by tools/test.sh). Fails on the first data race or other report. docs/development.md says
# which threaded code is not covered and why.
set -euo pipefail
dir=${1:?usage: tools/tsan-tests.sh BUILD_DIR}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
status=0
run() {
  echo "-- $*"
  "$@" || status=1
}
run "$dir/bin/test_hal" --warn NoTests "[threads]"
# Left out: the ring wire's peer thread ([ring]). Its frames cross DPDK's net_ring driver,
# which is not built with ThreadSanitizer, so the hand-off (an rte_ring) is invisible to it and
# every frame read on the other side would be reported as a race.
run "$dir/bin/test_harness_threads" --warn NoTests "[threads]~[ring]"
run "$dir/bin/test_ctl"
# The VFIO backend's process-wide group registry, opened and closed from several threads.
run "$dir/bin/test_vfio" --warn NoTests "[threads]"
exit $status
