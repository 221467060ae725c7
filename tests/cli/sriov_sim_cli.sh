#!/usr/bin/env bash
# Command-line contract of sriov-sim: exit codes, one-line errors, output shape.
set -u
sim=$1
fail=0
check() {  # check NAME EXPECTED_EXIT ARGS...
  local name=$1 want=$2; shift 2
  local out err rc
  out=$("$sim" "$@" 2>/tmp/sriov-sim-cli.$$) ; rc=$?
  err=$(cat /tmp/sriov-sim-cli.$$)
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
check "--vfs 64 is refused" 2 --vfs 64
check "--vfs abc is refused" 2 --vfs abc
check "unknown option is refused" 2 --frobnicate
check "bad mode is refused" 2 --mode warp
check "bad admin MAC is refused" 2 --vfs 4 --vf-mac 1=01:00:5e:00:00:01
check "admin MAC for a missing VF is refused" 2 --vfs 4 --vf-mac 4=02:00:00:00:00:04
check "bad VLAN is refused" 2 --vfs 4 --vf-vlan 1=4096
check "8 VFs stepped come up" 0 --vfs 8 --mode stepped
[[ $(printf '%s\n' "$LAST_OUT" | grep -c ' up$') -eq 8 ]] || { echo "FAIL: not 8 rows in state up"; fail=1; }
check "JSON output" 0 --vfs 3 --mode stepped --json --vf-mac 1=02:00:00:00:00:01
printf '%s' "$LAST_OUT" | grep -q '"mac_admin_set": true' || { echo "FAIL: JSON lacks the admin MAC"; fail=1; }
check "mailbox trace" 0 --vfs 1 --mode stepped --trace-mailbox
printf '%s\n' "$LAST_OUT" | grep -Eq '^mbx vf=0 vf->pf 00000001$' || { echo "FAIL: no VF_RESET trace line"; fail=1; }
printf '%s\n' "$LAST_OUT" | grep -Eq '^mbx vf=0 pf->vf [0-9a-f]{8}( [0-9a-f]{8})*$' || { echo "FAIL: no reply trace line"; fail=1; }
check "register trace" 0 --vfs 1 --mode stepped --trace-registers
printf '%s\n' "$LAST_OUT" | grep -Eq '^reg vf0  W bar0 0x002fc 00000001$' || { echo "FAIL: no VFMAILBOX REQ write in the register trace"; fail=1; }
check "zero VFs" 0 --vfs 0 --mode stepped
check "default (threaded) mode, 63 VFs" 0 --vfs 63
[[ $(printf '%s\n' "$LAST_OUT" | grep -c ' up$') -eq 63 ]] || { echo "FAIL: not 63 rows in state up"; fail=1; }
check "threaded with VF interrupts" 0 --vfs 8 --vf-interrupts
check "inline mode" 0 --vfs 8 --mode inline
check "--pattern without --traffic is refused" 2 --vfs 4 --pattern pairs
check "--traffic with one VF is refused" 2 --vfs 1 --traffic 0.1
check "--frame-size out of range is refused" 2 --vfs 2 --traffic 0.1 --frame-size 1515
check "traffic in a ring of 4 VFs" 0 --vfs 4 --mode stepped --traffic 0.2
printf '%s\n' "$LAST_OUT" | grep -q '^accounting: ok' || { echo "FAIL: traffic accounting not ok"; fail=1; }
# Every VF row: a peer each way, frames received, none lost.
[[ $(printf '%s\n' "$LAST_OUT" | awk '$1 ~ /^[0-3]$/ && NF == 15 && $9 > 0 && $10 == 0' | wc -l) -eq 4 ]] ||
  { echo "FAIL: not 4 traffic rows with frames received and no loss"; fail=1; }
check "traffic in pairs as JSON" 0 --vfs 4 --traffic 0.2 --pattern pairs --frame-size 1514 --json
printf '%s' "$LAST_OUT" | grep -q '"pattern": "pairs"' || { echo "FAIL: JSON lacks the traffic pattern"; fail=1; }
printf '%s' "$LAST_OUT" | grep -q '"rx_mpps"' || { echo "FAIL: JSON lacks per-VF rates"; fail=1; }
# The flood guard's options (tools/flood_args.hpp): bounds, the one policy check, and the
# modes that do not use them refusing them instead of ignoring them.
check "--mailbox-disable-after nan is refused" 2 --vfs 2 --mode stepped --mailbox-disable-after nan
check "--mailbox-disable-after inf is refused" 2 --vfs 2 --mode stepped --mailbox-disable-after inf
check "--mailbox-disable-after under 1 ms is refused" 2 --vfs 2 --mode stepped --mailbox-disable-after 1e-10
check "--mailbox-disable-after under two report intervals is refused" 2 --vfs 2 --mode stepped --mailbox-disable-after 1.5
check "--mailbox-report-interval under 100 ms is refused" 2 --vfs 2 --mode stepped --mailbox-report-interval 1
check "short interval and disable-after" 0 --vfs 2 --mode stepped --mailbox-report-interval 100 --mailbox-disable-after 0.2
check "--mailbox-guard on with a rate" 0 --vfs 2 --mode stepped --mailbox-guard on --mailbox-rate 500
check "--mailbox-guard off with a rate is refused" 2 --vfs 2 --mode stepped --mailbox-guard off --mailbox-rate 500
check "--mailbox-guard off alone" 0 --vfs 2 --mode stepped --mailbox-guard off
# A fixed number of iterations: a wall-clock soak would run a different sequence on every
# machine and load, and a CLI check must be deterministic.
check "--soak runs with the --mailbox-rate given" 0 --soak 1h --soak-iterations 400 --vfs 4 --mailbox-rate 500
printf '%s\n' "$LAST_OUT" | head -1 | grep -q 'mailbox guard 500/s' || { echo "FAIL: the soak did not take --mailbox-rate"; fail=1; }
check "--soak runs with the guard off when told" 0 --soak 1h --soak-iterations 400 --vfs 4 --mailbox-guard off
printf '%s\n' "$LAST_OUT" | head -1 | grep -q 'mailbox guard off' || { echo "FAIL: the soak did not take --mailbox-guard off"; fail=1; }
check "--soak with --mailbox-guard off and a rate is refused" 2 --soak 1s --mailbox-guard off --mailbox-rate 500
check "--scenario faults with --mailbox-rate is refused" 2 --scenario faults --mailbox-rate 500
check "--scenario faults with --mailbox-disable-after is refused" 2 --scenario faults --mailbox-disable-after 10
# --device (tools/device_args.hpp). No 82599 here: a vfio address fails in the sysfs checks,
# before DPDK starts (one line on stderr, no EAL output), with exit 1 and the fix.
bdf=0000:03:00.0
check "--device vfio: a missing function fails at once" 1 --device vfio:$bdf
expect_err "$bdf" "Fix:"
[[ $(printf '%s\n' "$LAST_ERR" | wc -l) -eq 1 ]] || { echo "FAIL: more than the one error line (EAL started?): $LAST_ERR"; fail=1; }
check "--device vfio: with --traffic fails the same way" 1 --device vfio:$bdf --vfs 2 --traffic 0.1
expect_err "$bdf" "Fix:"
check "--device vfio: short BB:DD.F form" 1 --device vfio:03:00.0
expect_err "$bdf" "Fix:"
check "--device bogus is refused by name" 2 --device bogus
expect_err '"bogus"' "vfio:DDDD:BB:DD.F"
check "--device vfio: with a bad address is refused by name" 2 --device vfio:$bdf,0000:03:00.x
expect_err '"0000:03:00.x"' "not a PCI address"
check "--device vfio: without an address is refused" 2 --device vfio:
check "--device sim is the default" 0 --device sim --vfs 2 --mode stepped
[[ $(printf '%s\n' "$LAST_OUT" | grep -c ' up$') -eq 2 ]] || { echo "FAIL: --device sim: not 2 rows in state up"; fail=1; }
check "--device sim runs traffic as before" 0 --device sim --vfs 2 --mode stepped --traffic 0.1
printf '%s\n' "$LAST_OUT" | grep -q '^accounting: ok' || { echo "FAIL: --device sim traffic accounting not ok"; fail=1; }
check "--vf-token with the simulation is refused" 2 --vf-token 6f0b1d64-0c1e-4e8a-9a55-2f1c1a3b4c5d
expect_err "--vf-token"
check "--vf-token that is no UUID is refused by name" 2 --device vfio:$bdf --vf-token not-a-uuid
expect_err '"not-a-uuid"'
# The modes that need the simulated device's internals refuse a real one, saying why.
check "--scenario faults refuses --device vfio" 2 --scenario faults --device vfio:$bdf
expect_err "--scenario faults" "simulated 82599 only"
check "--scenario migrate refuses --device vfio" 2 --scenario migrate --device vfio:$bdf
expect_err "--scenario migrate" "simulated 82599 only"
check "--soak refuses --device vfio" 2 --soak 1s --device vfio:$bdf
expect_err "--soak" "simulated 82599 only"
check "--name (daemon) refuses --device vfio" 2 --name clitest --device vfio:$bdf
expect_err "--name" "not implemented"
check "--mode threaded refuses --device vfio" 2 --mode threaded --device vfio:$bdf
expect_err "--mode threaded" "simulated 82599 only"
# The register and mailbox traces work on a real device (hal::TracingFunction): here the
# missing function fails first, as without them.
check "--trace-registers with --device vfio: a missing function fails at once" 1 --trace-registers --device vfio:$bdf
expect_err "$bdf" "Fix:"
check "--trace-mailbox with --device vfio: VF mode, a missing VF fails at once" 1 --trace-mailbox --device vfio:0000:03:10.0,0000:03:10.2
expect_err "Fix:"
trace_file=$(mktemp)
check "--trace-registers FILE writes the trace there" 0 --vfs 1 --mode stepped --trace-registers "$trace_file"
grep -Eq '^reg vf0  W bar0 0x002fc 00000001$' "$trace_file" || { echo "FAIL: no VFMAILBOX REQ write in $trace_file"; fail=1; }
printf '%s\n' "$LAST_OUT" | grep -q '^reg ' && { echo "FAIL: the register trace went to stdout too"; fail=1; }
rm -f "$trace_file"
check "--trace-registers into a directory that does not exist fails, naming it" 1 --vfs 1 --mode stepped --trace-registers /nonexistent-dir/trace.txt
expect_err "/nonexistent-dir/trace.txt"
# --serve (setup b of docs/hardware.md): a real PF only.
check "--serve on the simulation is refused, naming the daemon" 2 --serve --vfs 2
expect_err "--serve" "--name NAME"
check "--serve with --traffic is refused" 2 --serve --device vfio:$bdf --traffic 1
expect_err "--traffic" "--serve"
check "--serve with --json is refused" 2 --serve --device vfio:$bdf --json
check "--serve with --name is refused" 2 --serve --name clitest
check "--serve with --device vfio: a missing PF fails at once" 1 --serve --device vfio:$bdf --vfs 2
expect_err "$bdf" "Fix:"
[[ $(printf '%s\n' "$LAST_ERR" | wc -l) -eq 1 ]] || { echo "FAIL: more than the one error line: $LAST_ERR"; fail=1; }
check "--hugepages on the simulation is refused" 2 --hugepages --vfs 2
expect_err "--hugepages" "--device vfio only"
check "--hugepages with --device vfio: a missing function fails first" 1 --hugepages --device vfio:$bdf
expect_err "$bdf" "Fix:"
# --trace-registers FILE is opened only once every check passed: a run refused on the device
# leaves an existing FILE as it was.
trace_file=$(mktemp)
echo "an earlier trace" >"$trace_file"
check "--trace-registers FILE with --device vfio: a missing function fails first" 1 --device vfio:$bdf --trace-registers "$trace_file"
[[ $(cat "$trace_file") == "an earlier trace" ]] || { echo "FAIL: a refused run changed $trace_file"; fail=1; }
check "--serve --trace-registers FILE: a missing PF fails first" 1 --serve --device vfio:$bdf --trace-registers "$trace_file"
[[ $(cat "$trace_file") == "an earlier trace" ]] || { echo "FAIL: a refused --serve changed $trace_file"; fail=1; }
rm -f "$trace_file"
# --max-loss: the loss rule of a real device's traffic (tools/loss_rule.hpp).
check "--max-loss on the simulation is refused" 2 --vfs 2 --traffic 0.01 --max-loss 1
expect_err "--max-loss" "--device vfio only"
check "--max-loss above 100 is refused" 2 --device vfio:$bdf --vfs 2 --traffic 0.01 --max-loss 101
expect_err "--max-loss 101"
check "--max-loss without --traffic is refused" 2 --device vfio:$bdf --max-loss 1
rm -f /tmp/sriov-sim-cli.$$
# The guest failover scenarios (docs/guest-failover.md).
check "--scenario migrate runs and ends ok" 0 --scenario migrate --rate 20000 --precopy 2
printf '%s\n' "$LAST_OUT" | grep -q '^result: ok$' || { echo "FAIL: migrate did not end ok"; fail=1; }
printf '%s\n' "$LAST_OUT" | grep -Eq '^guest -> partner: sent [0-9]+, received [0-9]+, lost 0 ' || { echo "FAIL: migrate lost guest frames"; fail=1; }
check "--scenario migrate --json" 0 --scenario migrate --json --rate 20000 --precopy 2 --migrations 2
printf '%s' "$LAST_OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["ok"] and len(j["legs"])==2 and j["ledger"]["unaccounted"]==0 and j["out"]["lost"]==0, j' || { echo "FAIL: migrate JSON"; fail=1; }
check "--scenario migrate to a host without a free VF" 0 --scenario migrate --busy-vfs 4 --rate 20000 --precopy 2
printf '%s\n' "$LAST_OUT" | grep -q 'no free VF: the guest stays on the synthetic path' || { echo "FAIL: no event for the missing VF"; fail=1; }
printf '%s\n' "$LAST_OUT" | grep -q '^guest ends on: the synthetic path$' || { echo "FAIL: the guest did not stay synthetic"; fail=1; }
check "--scenario team-failover runs and ends ok" 0 --scenario team-failover --rate 20000
printf '%s\n' "$LAST_OUT" | grep -q '^failovers: 1 ' || { echo "FAIL: team did not fail over exactly once"; fail=1; }
check "--scenario team-failover --json" 0 --scenario team-failover --json --rate 20000
printf '%s' "$LAST_OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["ok"] and j["failovers"]==1 and j["surviving_path_drops"]==0, j' || { echo "FAIL: team JSON"; fail=1; }
# --realtime runs on the wall clock: whether a run meets the 1 ms targets depends on the machine
# (and on a sanitizer build), so only the run itself and its accounting are checked here.
rt_out=$("$sim" --scenario migrate --realtime --rate 20000 --precopy 2 2>/dev/null); rt_rc=$?
if [[ $rt_rc -gt 1 ]]; then echo "FAIL --scenario migrate --realtime: exit $rt_rc"; fail=1; else echo "ok   --scenario migrate --realtime runs (exit $rt_rc)"; fi
printf '%s\n' "$rt_out" | head -1 | grep -q 'real time' || { echo "FAIL: --realtime not in the header"; fail=1; }
printf '%s\n' "$rt_out" | grep -Eq '^accounting: .* unaccounted 0$' || { echo "FAIL: --realtime run not accounted: $rt_out"; fail=1; }
check "--migrations without --scenario migrate is refused" 2 --migrations 2
expect_err "--migrations" "--scenario migrate"
check "--surprise with team-failover is refused" 2 --scenario team-failover --surprise
expect_err "--surprise" "--scenario migrate"
check "--surprise with --ignore-revoke is refused" 2 --scenario migrate --surprise --ignore-revoke
expect_err "--surprise" "--ignore-revoke"
check "--revoke-timeout with --surprise is refused" 2 --scenario migrate --surprise --revoke-timeout 5
expect_err "--revoke-timeout" "--surprise"
check "--rate without --traffic or a failover scenario is refused" 2 --vfs 2 --rate 1000
expect_err "--rate" "--traffic"
check "--rate out of range for migrate is refused" 2 --scenario migrate --rate 1000
expect_err "--rate 1000" "10000..10000000"
check "--busy-vfs 5 is refused" 2 --scenario migrate --busy-vfs 5
expect_err "--busy-vfs"
check "--tick 500 is refused" 2 --scenario migrate --tick 500
expect_err "--tick"
check "--tick with --realtime is refused" 2 --scenario migrate --tick 5 --realtime
expect_err "--tick" "--realtime"
check "--realtime without a failover scenario is refused" 2 --vfs 2 --realtime
expect_err "--realtime" "--scenario migrate"
check "--scenario migrate with --vfs is refused" 2 --scenario migrate --vfs 4
expect_err "--vfs"
check "--scenario migrate with --vf-mac is refused" 2 --scenario migrate --vf-mac 0=02:00:00:00:00:09
expect_err "--vf-mac" "--scenario migrate"
exit $fail
