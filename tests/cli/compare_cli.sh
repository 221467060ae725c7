#!/usr/bin/env bash
# Command-line contract of bench/compare.sh without measuring anything: usage errors (exit 2, one
# line), the sriov-bench leg's JSON parsing and its failure paths against stand-in binaries, and a
# testpmd that does not come up (exit 1, no figure). No testpmd traffic and no timing: the real
# legs busy-poll both cores and belong in a benchmark run, not in ctest.
set -u
compare=$1
fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check() {  # check NAME EXPECTED_EXIT ARGS...
  local name=$1 want=$2; shift 2
  local rc
  "$compare" "$@" >"$work/out" 2>"$work/err"; rc=$?
  if [[ $rc -ne $want ]]; then
    echo "FAIL $name: exit $rc, want $want; stderr: $(cat "$work/err")"; fail=1; return
  fi
  if [[ $want -eq 2 && $(wc -l <"$work/err") -ne 1 ]]; then
    echo "FAIL $name: usage error is not one line: $(cat "$work/err")"; fail=1; return
  fi
  echo "ok   $name"
}
expect() {  # expect FILE REGEX
  grep -Eq -e "$2" "$work/$1" || { echo "FAIL: no line matching '$2' in $1:"; cat "$work/$1"; fail=1; }
}
expect_not() {  # expect_not FILE REGEX
  if grep -Eq -e "$2" "$work/$1"; then echo "FAIL: unexpected '$2' in $1:"; cat "$work/$1"; fail=1; fi
}

check "unknown option is refused" 2 --frobnicate
check "--size 63 is refused" 2 --size 63
check "--size 1519 is refused" 2 --size 1519
check "--duration 0 is refused" 2 --duration 0
check "--duration abc is refused" 2 --duration abc
check "--duration without a value is refused" 2 --duration
check "--runs 0 is refused" 2 --runs 0
check "unknown leg is refused" 2 --legs sriov,frob
check "a leg twice is refused" 2 --legs memif,memif
check "unknown pattern is refused" 2 --pattern both
check "--cores 1 is refused" 2 --cores 1
check "--cores 0,0 is refused" 2 --cores 0,0
check "--help" 0 --help
expect out '^usage: bench/compare.sh'

if [[ $(id -u) -ne 0 ]]; then
  echo "skip the rest: compare.sh runs as root"
  exit $fail
fi
if [[ $(nproc) -lt 2 ]]; then
  echo "skip the rest: compare.sh needs two cores"
  exit $fail
fi

fake() {  # fake NAME MPPS OK [EXIT]: a stand-in sriov-bench printing JSON as nlohmann dump(2) does
  cat >"$work/$1" <<EOF
#!/usr/bin/env bash
echo "\$@" >"$work/$1.args"
printf '{\n  "accounting": {\n    "check": "",\n    "ok": $3\n  },\n  "mpps": $2,\n  "threading": "2 threads: stand-in"\n}\n'
exit ${4:-0}
EOF
  chmod +x "$work/$1"
}
fake good 12.3456 true
fake bad 5.0 false
fake zero 0.0 true
fake crash 7.0 true 1

check "sriov leg, table" 0 --legs sriov --duration 0.01 --sriov-bench "$work/good"
expect out '^sriov-bench vf-to-vf +12\.346 '
expect out 'threading: 2 threads: stand-in'
expect good.args '^vf-to-vf --duration 0\.01 --size 64 --json$'
check "sriov leg, JSON, --size 1518" 0 --legs sriov --duration 0.01 --size 1518 --json --sriov-bench "$work/good"
expect out '"frame_bytes": 1518'
expect out '"leg": "sriov".*"mpps": 12\.346'
expect good.args '--size 1518 --json$'
check "other cores are passed on" 0 --legs sriov --duration 0.01 --cores 1,0 --sriov-bench "$work/good"
expect good.args '--engine-cpu 1 --guest-cpu 0$'
check "failed accounting is an error" 1 --legs sriov --duration 0.01 --sriov-bench "$work/bad"
expect err 'accounting did not check out'
expect_not out '[0-9]'
check "zero Mpps is an error" 1 --legs sriov --duration 0.01 --sriov-bench "$work/zero"
expect err 'no traffic'
check "sriov-bench failing is an error" 1 --legs sriov --duration 0.01 --sriov-bench "$work/crash"
expect err 'failed \(exit 1\)'
check "a testpmd that does not start is an error" 1 --legs memif --duration 0.01 --testpmd /bin/false
expect err 'memif: the server-side testpmd did not come up'
expect_not out 'Mpps'
exit $fail
