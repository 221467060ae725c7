#!/usr/bin/env bash
# End to end: sriov-sim daemons driven only through sriovctl, checking what the built-in guests
# see. Every daemon lives in a private runtime directory (SRIOVKIT_RUNTIME_DIR), so the test
# never touches /run/sriovkit and runs beside other tests.
# Usage: sriovctl_e2e.sh SRIOV_SIM SRIOVCTL
set -u
sim=$1
ctl=$2
rt=$(mktemp -d /tmp/sriovkit-e2e.XXXXXX)
export SRIOVKIT_RUNTIME_DIR=$rt
fail=0
pids=()
# Unique names: DPDK's runtime directory (/var/run/dpdk/sriovkit-NAME, where the telemetry
# socket lives) is per name, machine-wide, whatever SRIOVKIT_RUNTIME_DIR says.
n1=e2ea$$
n2=e2eb$$

cleanup() {
  local p n all=("${pids[@]}")
  for n in "$rt"/*.lock; do
    [[ -e $n ]] || continue
    p=$(tr -dc 0-9 <"$n")
    [[ -n $p ]] && all+=("$p")
  done
  for p in "${all[@]}"; do kill "$p" 2>/dev/null; done
  # Wait for them to go (their sockets and DPDK directories with them), then clear what a
  # killed one leaves behind.
  for _ in $(seq 100); do
    local alive=0
    for p in "${all[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  rm -rf "$rt" "/var/run/dpdk/sriovkit-${n1}" "/var/run/dpdk/sriovkit-${n2}"
}
trap cleanup EXIT

ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# run NAME WANT_EXIT ARGS...: runs sriovctl, keeps stdout in OUT and stderr in ERR.
run() {
  local name=$1 want=$2; shift 2
  OUT=$("$ctl" "$@" 2>"$rt/err") ; local rc=$?
  ERR=$(cat "$rt/err")
  if [[ $rc -ne $want ]]; then
    bad "$name: sriovctl $*: exit $rc, want $want; stderr: $ERR"
    return 1
  fi
  ok "$name"
}

# until_ok SECONDS CMD...: retries CMD every 0.1 s until it succeeds or SECONDS pass.
until_ok() {
  local deadline=$((SECONDS + $1)); shift
  while ! "$@" >/dev/null 2>&1; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.1
  done
}

guest_field() {  # guest_field PF VF FIELD: the built-in guest's FIELD from vf show -j
  "$ctl" -j vf show dev "$1" vf "$2" | python3 -c "import json,sys; print(json.load(sys.stdin)['guest']['$3'])"
}
guest_is() { [[ $(guest_field "$1" "$2" "$3") == "$4" ]]; }

# ---- Start-up: one daemon detached (the default), one in the foreground.
if "$sim" --name ${n1} --vfs 4 2>"$rt/start.err"; then
  ok "detached daemon reports ready"
else
  bad "detached daemon did not start: $(cat "$rt/start.err")"
  exit 1
fi
[[ -S $rt/${n1}.sock ]] && ok "socket exists" || bad "no socket at $rt/${n1}.sock"
mode=$(stat -c %a "$rt/${n1}.sock")
[[ $mode == 660 ]] && ok "socket mode 0660" || bad "socket mode $mode, want 660"

"$sim" --name ${n2} --vfs 63 --foreground 2>"$rt/${n2}.err" &
pids+=($!)
until_ok 60 "$ctl" link show dev "sim:${n2}" && ok "foreground daemon up" || bad "foreground daemon: $(cat "$rt/${n2}.err")"

"$sim" --name ${n1} --vfs 2 --foreground 2>"$rt/dup.err"; rc=$?
if [[ $rc -eq 1 ]] && grep -q "already running" "$rt/dup.err"; then
  ok "a second daemon of the same name is refused"
else
  bad "second daemon: exit $rc: $(cat "$rt/dup.err")"
fi

# ---- link show: every VF of both PFs, nothing truncated.
until_ok 30 guest_is sim:${n1} 3 link_up True || bad "${n1}'s guests did not come up"
until_ok 60 guest_is sim:${n2} 62 link_up True || bad "${n2}'s guests did not come up"
run "link show dev sim:${n1}" 0 link show dev sim:${n1}
[[ $(grep -c '^    vf [0-9]' <<<"$OUT") -eq 4 ]] && ok "4 vf lines" || bad "want 4 vf lines: $OUT"
run "link show (all)" 0 link show
[[ $(grep -c '^    vf [0-9]' <<<"$OUT") -ge 67 ]] && ok "both PFs with all 67 VFs" || bad "want 67 vf lines, got $(grep -c '^    vf [0-9]' <<<"$OUT")"
run "link show -j -s dev sim:${n2}" 0 -j -s link show dev sim:${n2}
python3 - "$OUT" <<'EOF' && ok "JSON has 63 VFs with stats" || bad "JSON of 63 VFs"
import json, sys
links = json.loads(sys.argv[1])
vfs = links[0]["vfinfo_list"]
assert len(vfs) == 63, len(vfs)
assert all("stats" in v for v in vfs)
assert [v["vf"] for v in vfs] == list(range(63))
EOF

# ---- MAC: the PF refuses an untrusted guest's own MAC under an admin MAC, accepts it once
# trusted. As in Linux, an admin MAC reaches the guest at its next reset (here: the one a trust
# change forces).
run "admin MAC" 0 link set dev sim:${n1} vf 0 mac 02:aa:00:00:00:01
run "link show after admin MAC" 0 -j link show dev sim:${n1}
python3 - "$OUT" <<'EOF2' && ok "the PF reports the admin MAC" || bad "admin MAC not in link show"
import json, sys
assert json.loads(sys.argv[1])[0]["vfinfo_list"][0]["address"] == "02:aa:00:00:00:01"
EOF2
run "untrusted guest MAC change is refused" 1 guest dev sim:${n1} vf 0 mac 02:bb:00:00:00:01
[[ $(wc -l <<<"$ERR") -eq 1 && $ERR == *"vf 0"* ]] && ok "refusal is one line naming the VF: $ERR" || bad "refusal text: $ERR"
[[ $(guest_field sim:${n1} 0 mac) != 02:bb:00:00:00:01 ]] && ok "guest MAC unchanged" || bad "guest MAC changed"
run "trust on" 0 link set dev sim:${n1} vf 0 trust on
until_ok 10 guest_is sim:${n1} 0 mac 02:aa:00:00:00:01 && ok "the reset trust forces gave the guest the admin MAC" || bad "guest MAC: $(guest_field sim:${n1} 0 mac)"
until_ok 10 guest_is sim:${n1} 0 link_up True || bad "guest 0 did not come back after trust"
until_ok 10 "$ctl" guest dev sim:${n1} vf 0 mac 02:bb:00:00:00:01 && ok "trusted guest MAC change accepted" || bad "trusted guest MAC change refused"
until_ok 10 guest_is sim:${n1} 0 mac 02:bb:00:00:00:01 && ok "guest has its own MAC" || bad "guest MAC: $(guest_field sim:${n1} 0 mac)"

# ---- Port VLAN: the tag is on the wire, decoded by tshark.
run "port VLAN" 0 link set dev sim:${n1} vf 1 vlan 100 qos 3
until_ok 10 guest_is sim:${n1} 1 link_up True || bad "guest 1 not up after the port VLAN"
vf1_mac=$(guest_field sim:${n1} 1 mac)
run "wire capture" 0 capture dev sim:${n1} wire -w "$rt/wire.pcapng" -c 12
if command -v tshark >/dev/null; then
  tagged=$(tshark -r "$rt/wire.pcapng" -Y "vlan.id == 100 && vlan.priority == 3 && eth.src == $vf1_mac" 2>/dev/null | wc -l)
  [[ $tagged -ge 1 ]] && ok "tshark sees VF 1's frames tagged VLAN 100 priority 3 ($tagged)" \
    || bad "no VLAN 100 frame from $vf1_mac: $(tshark -r "$rt/wire.pcapng" -T fields -e eth.src -e vlan.id 2>&1 | head)"
  untagged=$(tshark -r "$rt/wire.pcapng" -Y "eth.src == $vf1_mac && !vlan" 2>/dev/null | wc -l)
  [[ $untagged -eq 0 ]] && ok "none of VF 1's frames leave untagged" || bad "$untagged untagged frames from VF 1"
  run "VF capture" 0 capture dev sim:${n1} vf 1 -w "$rt/vf1.pcapng" -c 2
  n=$(tshark -r "$rt/vf1.pcapng" -Y "eth.src == $vf1_mac && !vlan" 2>/dev/null | wc -l)
  [[ $n -ge 1 ]] && ok "at the VF its frames are untagged" || bad "VF capture: $(tshark -r "$rt/vf1.pcapng" 2>&1 | head -3)"
else
  echo "WARN tshark missing: captures not decoded"
fi

# ---- DPDK telemetry: dpdk-telemetry.py reads the daemon's per-VF state.
if command -v dpdk-telemetry.py >/dev/null && [[ -S /var/run/dpdk/sriovkit-${n1}/dpdk_telemetry.v2 ]]; then
  tel=$(printf '/sriovkit/pf\n/sriovkit/vf,1\n' | dpdk-telemetry.py -f "sriovkit-${n1}" 2>&1)
  python3 - "$tel" "${n1}" <<'EOF2' && ok "dpdk-telemetry.py reads /sriovkit/pf and /sriovkit/vf,1" || bad "telemetry: $tel"
import json, sys
replies = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith("{")]
pf = next(r["/sriovkit/pf"] for r in replies if "/sriovkit/pf" in r)
vf = next(r["/sriovkit/vf"] for r in replies if "/sriovkit/vf" in r)
assert pf["name"] == sys.argv[2] and pf["num_vfs"] == 4, pf
assert vf["vf"] == 1 and vf["admin"]["vlan"] == 100 and vf["admin"]["qos"] == 3, vf
EOF2
else
  echo "WARN dpdk-telemetry.py or the telemetry socket missing (not root?): telemetry not checked"
fi

# ---- Link state: disable is link down in the guest's driver, enable brings it back.
run "state disable" 0 link set dev sim:${n1} vf 2 state disable
until_ok 10 guest_is sim:${n1} 2 link_up False && ok "guest 2 sees link down" || bad "guest 2 link: $(guest_field sim:${n1} 2 link_up)"
run "state enable" 0 link set dev sim:${n1} vf 2 state enable
until_ok 10 guest_is sim:${n1} 2 link_up True && ok "guest 2 sees link up" || bad "guest 2 link stayed down"

# ---- All or nothing.
run "malformed: vlan 5000" 2 link set dev sim:${n1} vf 3 spoofchk off vlan 5000
run "refused by the PF: max_tx_rate 5 (at or below 10 Mb/s)" 1 link set dev sim:${n1} vf 3 spoofchk off max_tx_rate 5
run "show vf 3" 0 -j link show dev sim:${n1}
python3 - "$OUT" <<'EOF' && ok "spoofchk stayed on: nothing applied" || bad "a refused command changed spoofchk"
import json, sys
assert json.loads(sys.argv[1])[0]["vfinfo_list"][3]["spoofchk"] is True
EOF

# ---- numvfs: sysfs semantics.
run "numvfs 4 -> 2 is refused" 1 dev sim:${n1} numvfs 2
run "numvfs 0" 0 dev sim:${n1} numvfs 0
run "numvfs 2" 0 dev sim:${n1} numvfs 2
run "link show after numvfs 2" 0 link show dev sim:${n1}
[[ $(grep -c '^    vf [0-9]' <<<"$OUT") -eq 2 ]] && ok "2 vf lines" || bad "want 2 vf lines: $OUT"
until_ok 10 guest_is sim:${n1} 1 link_up True && ok "new guests are up" || bad "new guest 1 not up"

# ---- Events: listed with codes and reasons, and in the log file.
run "events" 0 events dev sim:${n1}
grep -q "admin-trust" <<<"$OUT" && ok "trust change listed" || bad "no admin-trust event: $OUT"
grep -q "request-refused" <<<"$OUT" && ok "the refused MAC request listed" || bad "no request-refused event"
grep -q "vfs-disabled" <<<"$OUT" && ok "numvfs 0 listed" || bad "no vfs-disabled event"
[[ -s $rt/${n1}.events.log ]] && grep -q "admin-trust" "$rt/${n1}.events.log" && ok "event log file written" || bad "event log file: $(ls "$rt")"

# ---- Shutdown: SIGTERM removes the socket; a killed daemon leaves a stale socket that the next
# daemon removes.
p1=$(tr -dc 0-9 <"$rt/${n1}.lock")
kill -TERM "$p1"
until_ok 10 test ! -e "$rt/${n1}.sock" && ok "SIGTERM: socket removed" || bad "socket still there after SIGTERM"
run "a missing daemon is a clear error" 1 link show dev sim:${n1}
[[ $ERR == *${n1}* ]] && ok "error names the daemon: $ERR" || bad "error text: $ERR"
kill -KILL "${pids[0]}"; wait "${pids[0]}" 2>/dev/null
[[ -S $rt/${n2}.sock ]] && ok "SIGKILL leaves a stale socket" || bad "no stale socket left"
run "a stale socket is a clear error" 1 link show dev sim:${n2}
"$sim" --name ${n2} --vfs 1 2>"$rt/restart.err" && ok "restart over a stale socket" || bad "restart: $(cat "$rt/restart.err")"
run "restarted daemon answers" 0 link show dev sim:${n2}

exit $fail
