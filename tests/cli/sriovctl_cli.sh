#!/usr/bin/env bash
# Command-line contract of sriovctl: malformed commands exit 2 with one stderr line naming the
# token and nothing sent or printed; a missing daemon or device is one line and exit 1; the
# real kernel answers `link show dev lo` and refuses VF settings on lo with its errno; numvfs
# writes a fixture sysfs tree.
# Usage: sriovctl_cli.sh SRIOVCTL
set -u
sriovctl=$1
fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
err_file=$work/stderr
# An empty runtime directory: no daemon can be reached, whatever runs on this machine.
export SRIOVKIT_RUNTIME_DIR=$work/run
mkdir -p "$SRIOVKIT_RUNTIME_DIR"

usage_error() {  # usage_error TOKEN ARGS...: exit 2, one stderr line naming 'TOKEN', no stdout
  local token=$1; shift
  local out rc lines
  out=$("$sriovctl" "$@" 2>"$err_file"); rc=$?
  lines=$(wc -l <"$err_file")
  if [[ $rc -ne 2 || $lines -ne 1 || -n $out ]] || ! grep -qF -- "'$token'" "$err_file"; then
    echo "FAIL sriovctl $*: exit $rc, $lines stderr line(s), stdout '${out:0:60}', stderr: $(cat "$err_file")"
    fail=1; return
  fi
  echo "ok   sriovctl $*: $(cat "$err_file")"
}

check() {  # check NAME EXPECTED_EXIT ARGS...: sets LAST_OUT, LAST_ERR
  local name=$1 want=$2; shift 2
  local rc
  LAST_OUT=$("$sriovctl" "$@" 2>"$err_file"); rc=$?
  LAST_ERR=$(cat "$err_file")
  if [[ $rc -ne $want ]]; then
    echo "FAIL $name: exit $rc, want $want; stderr: $LAST_ERR"; fail=1; return 1
  fi
  echo "ok   $name"
}

expect() {  # expect NAME WHAT REGEX: WHAT (out or err) has a line matching REGEX
  local text
  if [[ $2 == out ]]; then text=$LAST_OUT; else text=$LAST_ERR; fi
  if ! printf '%s\n' "$text" | grep -Eq -- "$3"; then
    echo "FAIL $1: no $2 line matching /$3/ in: $text"; fail=1
  fi
}

one_line_err() {  # one_line_err NAME: the last command wrote exactly one stderr line
  if [[ $(printf '%s\n' "$LAST_ERR" | wc -l) -ne 1 ]]; then
    echo "FAIL $1: stderr is not one line: $LAST_ERR"; fail=1
  fi
}

# --- malformed commands: exit 2, nothing sent ---
usage_error frob frob
usage_error -x -x link show
usage_error frob link frob
usage_error dev link show dev
usage_error extra link show dev lo extra
usage_error -j link show lo -j
usage_error abcdefghijklmnop link show dev abcdefghijklmnop
usage_error sim: link show dev sim:
usage_error a/b link show dev a/b
usage_error lo link set dev lo
usage_error mac link set dev lo mac 02:00:00:00:00:01
usage_error x link set dev lo vf x trust on
usage_error 65535 link set dev lo vf 65535 trust on
usage_error 3 link set dev lo vf 3
usage_error 1 link set dev lo vf 1 trust on vf 1 trust off
usage_error frob link set dev lo vf 0 frob 1
usage_error zz:00:00:00:00:01 link set dev lo vf 0 mac zz:00:00:00:00:01
usage_error mac link set dev lo vf 0 mac
usage_error 4096 link set dev lo vf 0 vlan 4096
usage_error 8 link set dev lo vf 0 vlan 5 qos 8
usage_error qos link set dev lo vf 0 qos 3
usage_error 802.1x link set dev lo vf 0 vlan 5 proto 802.1x
usage_error max_tx_rate link set dev lo vf 0 rate 10 max_tx_rate 20
usage_error fast link set dev lo vf 0 rate fast
usage_error yes link set dev lo vf 0 spoofchk yes
usage_error up link set dev lo vf 0 state up
usage_error trust link set dev lo vf 0 trust on trust off
usage_error 65536 dev lo numvfs 65536
usage_error four dev lo numvfs four
usage_error frob dev lo frob 3
usage_error lo vf show dev lo
usage_error -f -j events -f
usage_error now events now
usage_error 1 capture dev sim:x vf 1
usage_error 0 capture dev sim:x wire -w f -c 0
usage_error 0 capture dev sim:x wire -w f -s 0
usage_error vf capture dev sim:x wire vf 1 -w f
usage_error nope guest dev sim:x vf 1 mac nope
usage_error me help me

# --- what is not there: one line, exit 1, never a hang ---
check "missing daemon" 1 link show dev sim:ghost
expect "missing daemon names it" err "^sriovctl: sim:ghost: no sriov-sim daemon named ghost"
one_line_err "missing daemon"
check "missing device" 1 link show dev nosuchdev0
expect "missing device" err "^sriovctl: no such device: nosuchdev0 \(no kernel link of that name, no sriov-sim daemon named nosuchdev0\)$"
one_line_err "missing device"
check "set on a missing daemon" 1 link set dev sim:ghost vf 0 trust on
one_line_err "set on a missing daemon"
check "events without daemons" 1 events
expect "events without daemons" err "^sriovctl: events: no sriov-sim daemon is running in $SRIOVKIT_RUNTIME_DIR$"
one_line_err "events without daemons"
check "help" 0 help
expect "help shows the grammar" out "link set dev PF vf N SETTING"
check "version" 0 --version
expect "version" out "^sriovctl [0-9]+\.[0-9]+\.[0-9]+$"

# --- the real kernel over NETLINK_ROUTE ---
check "link show dev lo" 0 link show dev lo
expect "lo's link line" out "^1: lo: <LOOPBACK,UP,LOWER_UP> mtu [0-9]+ state UNKNOWN$"
expect "lo's address line" out "^    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00$"
check "-j link show dev lo" 0 -j link show dev lo
got=$(printf '%s' "$LAST_OUT" | python3 -c 'import json, sys; j = json.load(sys.stdin); print(j[0]["ifname"], j[0]["ifindex"], j[0]["link_type"], ",".join(j[0]["flags"]))')
[[ $got == "lo 1 loopback LOOPBACK,UP,LOWER_UP" ]] || { echo "FAIL -j link show dev lo: '$got'"; fail=1; }
check "link show lists lo" 0 link show
expect "link show lists lo" out "^1: lo: "
# lo has no SR-IOV: the kernel refuses (EOPNOTSUPP as root, EPERM without CAP_NET_ADMIN).
# Nothing changed and the errno refuses the request as a whole: no setting is blamed.
check "kernel refuses trust on lo" 1 link set dev lo vf 0 trust on
expect "kernel's reason" err "^sriovctl: lo: (Operation not supported \(EOPNOTSUPP\)|Operation not permitted \(EPERM\); needs CAP_NET_ADMIN: run as root)$"
one_line_err "kernel refuses trust on lo"
check "vf show on lo" 1 vf show dev lo vf 0
expect "vf show on lo" err "^sriovctl: lo: no vf 0"
check "events on a kernel PF" 1 events dev lo
expect "events on a kernel PF" err "^sriovctl: lo: events: not available for kernel PF lo \(see the kernel log: dmesg\)$"

# --- numvfs against a fixture sysfs tree ---
sys=$work/sys
mkdir -p "$sys/class/net/lo/device"
echo 0 >"$sys/class/net/lo/device/sriov_numvfs"
echo 63 >"$sys/class/net/lo/device/sriov_totalvfs"
SRIOVKIT_SYSFS=$sys check "numvfs writes sriov_numvfs" 0 dev lo numvfs 4
[[ $(cat "$sys/class/net/lo/device/sriov_numvfs") == 4 ]] || { echo "FAIL numvfs: file holds $(cat "$sys/class/net/lo/device/sriov_numvfs")"; fail=1; }
rm "$sys/class/net/lo/device/sriov_numvfs"
SRIOVKIT_SYSFS=$sys check "numvfs without sriov_numvfs" 1 dev lo numvfs 4
expect "numvfs without sriov_numvfs" err "^sriovctl: lo: PF has no SR-IOV capability \(no sriov_numvfs: "
one_line_err "numvfs without sriov_numvfs"

# --- against a daemon that breaks the protocol (a scripted stand-in, python3) ---
cat >"$work/fake_daemon.py" <<'PY'
# fake_daemon.py SOCKET MODE: "hang" takes requests and never answers (touching SOCKET.got
# on the first); "events_nonobj" answers every request with events that are not objects.
import json, os, socket, struct, sys
path, mode = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
srv.bind(path)
srv.listen(8)
open(path + ".ready", "w").close()
held = []
while True:
    c, _ = srv.accept()
    held.append(c)
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        _, _, _, seq, _ = struct.unpack_from("=IHHII", d)
        if mode == "hang":
            open(path + ".got", "w").close()
            break  # keep the connection, never answer
        body = json.dumps({"events": [1, "x", [2]], "next": 3}).encode()
        n = 16 + len(body)
        c.send(struct.pack("=IHHII", n, 0x1001, 0, seq, 0) + body + b"\0" * ((-n) % 4))
PY
start_fake() {  # start_fake NAME MODE: sets FAKE_PID once the socket listens
  rm -f "$SRIOVKIT_RUNTIME_DIR/$1.sock"*
  python3 "$work/fake_daemon.py" "$SRIOVKIT_RUNTIME_DIR/$1.sock" "$2" &
  FAKE_PID=$!
  for _ in $(seq 300); do [[ -e $SRIOVKIT_RUNTIME_DIR/$1.sock.ready ]] && return 0; sleep 0.1; done
  echo "FAIL fake daemon $1 did not start"; fail=1; return 1
}
stop_fake() { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; rm -f "$SRIOVKIT_RUNTIME_DIR/$1.sock"*; }

if start_fake evil events_nonobj; then
  check "-j events with entries that are not objects" 0 -j events dev sim:evil
  [[ $LAST_OUT == "[]" ]] || { echo "FAIL -j events: stdout '$LAST_OUT'"; fail=1; }
  expect "-j events notes the skipped entries" err "^sriovctl: sim:evil: events: skipped 3 entries that are not an object$"
  stop_fake evil
fi

# Ctrl-C on a request/response command waiting for an answer must kill it (the default
# action), not set a flag while the receive is retried until its 5 s timeout. A liveness
# check: the bound is generous, what is checked is how it ended.
if start_fake hang hang; then
  set -m  # job control: the background job gets SIGINT's default action, not SIG_IGN
  "$sriovctl" vf show dev sim:hang vf 0 >/dev/null 2>"$err_file" &
  pid=$!
  set +m
  for _ in $(seq 300); do [[ -e $SRIOVKIT_RUNTIME_DIR/hang.sock.got ]] && break; sleep 0.1; done
  kill -INT "$pid"
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    echo "FAIL Ctrl-C: sriovctl still running 30 s after SIGINT"; fail=1
  fi
  wait "$pid"; rc=$?
  if [[ $rc -eq 130 ]]; then
    echo "ok   Ctrl-C ends a waiting request (killed by SIGINT)"
  else
    echo "FAIL Ctrl-C: exit $rc, want 130 (killed by SIGINT); stderr: $(cat "$err_file")"; fail=1
  fi
  stop_fake hang
fi

exit $fail
