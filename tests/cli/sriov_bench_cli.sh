#!/usr/bin/env bash
# Command-line contract of sriov-bench: exit codes, one-line usage errors, the output's lines.
# No timing assertion: the figures depend on the machine.
set -u
bench=$1
fail=0
err_file=$(mktemp)
trap 'rm -f "$err_file"' EXIT
check() {  # check NAME EXPECTED_EXIT ARGS...
  local name=$1 want=$2; shift 2
  local out err rc
  out=$("$bench" "$@" 2>"$err_file") ; rc=$?
  err=$(cat "$err_file")
  if [[ $rc -ne $want ]]; then
    echo "FAIL $name: exit $rc, want $want; stderr: $err"; fail=1; return
  fi
  if [[ $want -eq 2 && $(printf '%s\n' "$err" | wc -l) -ne 1 ]]; then
    echo "FAIL $name: usage error is not one line: $err"; fail=1; return
  fi
  LAST_OUT=$out
  echo "ok   $name"
}
expect_line() {  # expect_line REGEX: LAST_OUT has a line matching it
  printf '%s\n' "$LAST_OUT" | grep -Eq "$1" || { echo "FAIL: no line matching '$1' in:"; printf '%s\n' "$LAST_OUT"; fail=1; }
}

check "no scenario is refused" 2
check "unknown scenario is refused" 2 wire-to-wire
check "unknown option is refused" 2 vf-to-vf --frobnicate
check "--size 63 is refused" 2 vf-to-vf --size 63
check "--size 9001 is refused" 2 vf-to-vf --size 9001
check "--size abc is refused" 2 vf-to-vf --size abc
check "--pairs 0 is refused" 2 vf-to-vf --pairs 0
check "--burst 33 is refused" 2 vf-to-vf --burst 33
check "--ring 100 (not a power of two) is refused" 2 vf-to-vf --ring 100
check "--duration 0 is refused" 2 vf-to-vf --duration 0
check "--packets with --duration is refused" 2 vf-to-vf --packets 10 --duration 1

check "vf-to-vf, 20000 packets" 0 vf-to-vf --packets 20000
expect_line '^rate: [0-9.]+ Mpps, [0-9.]+ Gbit/s'
expect_line '^cycles/packet: [0-9.]+ total = engine [0-9.]+ \+ VF driver [0-9.]+ '
expect_line '^accounting: ok '
expect_line '^packets: sent 20000, received 20000,'
expect_line '^threading: 1 thread'

check "vf-to-vf, 2 pairs, jumbo frames" 0 vf-to-vf --packets 2000 --pairs 2 --size 9000
expect_line '^accounting: ok '

check "JSON output" 0 vf-to-vf --packets 1000 --json
printf '%s' "$LAST_OUT" | grep -q '"ok": true' || { echo "FAIL: JSON lacks accounting ok"; fail=1; }
printf '%s' "$LAST_OUT" | grep -q '"mpps":' || { echo "FAIL: JSON lacks mpps"; fail=1; }
exit $fail
