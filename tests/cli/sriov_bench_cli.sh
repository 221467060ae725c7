#!/usr/bin/env bash
# Command-line contract of sriov-bench: exit codes, one-line usage errors, the output's lines,
# every scenario's packet accounting. No timing assertion: the figures depend on the machine.
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
  LAST_ERR=$err
  echo "ok   $name"
}
expect_err() {  # expect_err TEXT...: LAST_ERR contains every TEXT (fixed strings)
  local t
  for t in "$@"; do
    printf '%s' "$LAST_ERR" | grep -qF -- "$t" || { echo "FAIL: stderr lacks '$t': $LAST_ERR"; fail=1; }
  done
}
expect_line() {  # expect_line REGEX: LAST_OUT has a line matching it
  printf '%s\n' "$LAST_OUT" | grep -Eq "$1" || { echo "FAIL: no line matching '$1' in:"; printf '%s\n' "$LAST_OUT"; fail=1; }
}
expect_json() {  # expect_json PYTHON_EXPR: LAST_OUT parses as JSON and the expression on it (j) holds
  printf '%s' "$LAST_OUT" | python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($1) else 1)" ||
    { echo "FAIL: JSON does not parse or '$1' is false in:"; printf '%s\n' "$LAST_OUT"; fail=1; }
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
check "--pairs with --vfs is refused" 2 vf-to-vf --pairs 1 --vfs 2
check "--vfs 3 for vf-to-vf (odd) is refused" 2 vf-to-vf --vfs 3
check "--vfs 64 is refused" 2 pf-to-vf --vfs 64
check "--pairs for vf-to-wire is refused" 2 vf-to-wire --pairs 1
check "--queues 0 is refused" 2 vf-to-vf --queues 0
check "--queues 5 is refused" 2 vf-to-vf --queues 5
check "--queues 4 with 40 VFs (2 per pool) is refused" 2 wire-to-vf --vfs 40 --queues 4
check "--flows 0 is refused" 2 vf-to-vf --flows 0
check "--wire for vf-to-vf is refused" 2 vf-to-vf --wire builtin
check "--wire memory is refused" 2 vf-to-wire --wire memory
check "wire-to-vf on another ethdev is refused" 2 wire-to-vf --wire net_ring0
check "the same CPU for engine and guests is refused" 2 vf-to-vf --engine thread --engine-cpu 1 --guest-cpu 1

check "vf-to-vf, 20000 packets, inline" 0 vf-to-vf --packets 20000 --engine inline
expect_line '^rate: [0-9.]+ Mpps, [0-9.]+ Gbit/s'
expect_line '^cycles/packet: [0-9.]+ total = engine [0-9.]+ \+ VF driver [0-9.]+ '
expect_line '^accounting: ok '
expect_line '^packets: sent 20000, received 20000,'
expect_line '^threading: 1 thread'

check "vf-to-vf, 2 pairs, jumbo frames" 0 vf-to-vf --packets 2000 --pairs 2 --size 9000
expect_line '^accounting: ok '

check "vf-to-vf, 4 VFs, 2 queue pairs each" 0 vf-to-vf --packets 4000 --vfs 4 --queues 2
expect_line '^accounting: ok '
expect_line '^rx queues: [0-9]+ [0-9]+ '

check "vf-to-wire, 2 VFs, the built-in peer" 0 vf-to-wire --packets 4000 --vfs 2
expect_line '^accounting: ok .*to wire'
expect_line '^wire: device sent '
expect_line '^cycles/packet: .*wire peer [0-9.]+'

check "vf-to-wire, 1518 B, inline" 0 vf-to-wire --packets 2000 --size 1518 --engine inline
expect_line '^accounting: ok '

check "wire-to-vf, 2 VFs, 2 queue pairs" 0 wire-to-vf --packets 4000 --vfs 2 --queues 2
expect_line '^accounting: ok '
expect_line '^packets: sent 4000, '

check "wire-to-vf, jumbo frames, inline" 0 wire-to-vf --packets 1000 --size 9000 --engine inline
expect_line '^accounting: ok '

check "pf-to-vf, 3 VFs" 0 pf-to-vf --packets 4000 --vfs 3
expect_line '^accounting: ok '
expect_line '^cycles/packet: .*drivers [0-9.]+ \(VF rx [0-9.]+, PF tx [0-9.]+\)'

check "pf-to-vf, 2 queue pairs, inline" 0 pf-to-vf --packets 2000 --queues 2 --engine inline
expect_line '^accounting: ok '

check "JSON output" 0 vf-to-vf --packets 1000 --json
# Received plus dropped is what was sent: with the engine on its own core an RX ring may overflow.
expect_json 'j["accounting"]["ok"] is True and "mpps" in j and j["packets"]["received"] + j["drops"] == 1000'

for s in vf-to-wire wire-to-vf pf-to-vf; do
  check "JSON output, $s" 0 $s --packets 1000 --json
  expect_json 'j["accounting"]["ok"] is True and j["scenario"] == "'$s'" and j["drops"] == sum(j["drops_by_reason"].values())'
done
# --device (tools/device_args.hpp). No 82599 here: a vfio address fails in the sysfs checks,
# before DPDK starts (one line on stderr, no EAL output), with exit 1 and the fix.
bdf=0000:03:00.0
check "--device vfio: a missing function fails at once" 1 vf-to-vf --device vfio:$bdf
expect_err "$bdf" "Fix:"
[[ $(printf '%s\n' "$LAST_ERR" | wc -l) -eq 1 ]] || { echo "FAIL: more than the one error line (EAL started?): $LAST_ERR"; fail=1; }
check "--device vfio: VF mode, a missing VF fails at once" 1 vf-to-vf --device vfio:0000:03:10.0,0000:03:10.2
expect_err "0000:03:10.0" "Fix:"
check "--device bogus is refused by name" 2 vf-to-vf --device bogus
expect_err '"bogus"' "vfio:DDDD:BB:DD.F"
check "--device vfio: with a bad address is refused by name" 2 vf-to-vf --device vfio:0000:03:00.x
expect_err '"0000:03:00.x"' "not a PCI address"
check "--vf-token with the simulation is refused" 2 vf-to-vf --vf-token 6f0b1d64-0c1e-4e8a-9a55-2f1c1a3b4c5d
check "--vf-token that is no UUID is refused by name" 2 vf-to-vf --device vfio:$bdf --vf-token xyz
expect_err '"xyz"'
for s in vf-to-wire wire-to-vf pf-to-vf; do
  check "$s refuses --device vfio, saying why" 2 $s --device vfio:$bdf
  expect_err "$s on --device vfio is not supported" "vf-to-vf runs there"
done
check "--engine refuses --device vfio" 2 vf-to-vf --device vfio:$bdf --engine inline
expect_err "--engine" "the NIC moves the frames"
check "an odd number of VFs is refused" 2 vf-to-vf --device vfio:0000:03:10.0,0000:03:10.2,0000:03:10.4
expect_err "even number"
check "--pairs other than the VFs named is refused" 2 vf-to-vf --device vfio:0000:03:10.0,0000:03:10.2 --pairs 2
expect_err "names 2 VFs"
check "--hugepages without --device vfio is refused" 2 vf-to-vf --hugepages
expect_err "--hugepages" "--device vfio only"
check "--hugepages with --device vfio: a missing function fails first, before DPDK" 1 vf-to-vf --device vfio:$bdf --hugepages
expect_err "$bdf" "Fix:"
[[ $(printf '%s\n' "$LAST_ERR" | wc -l) -eq 1 ]] || { echo "FAIL: more than the one error line: $LAST_ERR"; fail=1; }
check "--max-loss on the simulation is refused" 2 vf-to-vf --packets 100 --max-loss 1
expect_err "--max-loss" "--device vfio only"
check "--max-loss that is no percentage is refused" 2 vf-to-vf --device vfio:$bdf --max-loss -1
expect_err "--max-loss -1"
check "--help names both devices" 0 --help
printf '%s\n' "$LAST_OUT" | head -1 | grep -q "real one (--device vfio" || { echo "FAIL: --help's first line: $(printf '%s\n' "$LAST_OUT" | head -1)"; fail=1; }
check "--device sim is the default" 0 vf-to-vf --device sim --packets 1000 --json
# The engine has a thread of its own here: a receiver descheduled under a parallel ctest may
# lose frames to an RX ring overrun, which the accounting counts. So: every frame accounted for.
expect_json 'j["accounting"]["ok"] is True and j["device"] == "sim" and j["packets"]["received"] + j["drops"] == 1000'
exit $fail
