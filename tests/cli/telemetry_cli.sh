#!/usr/bin/env bash
# DPDK's own telemetry client (dpdk-telemetry.py, Debian package dpdk-dev) against the
# /sriovkit/* commands, read from stdin. The server is test_telemetry's hidden "[.cli]" case,
# which serves known providers until a stop file appears.
# Usage: telemetry_cli.sh TEST_TELEMETRY [DPDK_TELEMETRY_PY]. Exit 77 (skip) without the client.
set -u
bin=$1
client=${2:-/usr/bin/dpdk-telemetry.py}
[[ -f $client ]] || { echo "SKIP: $client not installed"; exit 77; }

tmp=$(mktemp -d)
stop() { touch "$tmp/stop"; wait; rm -rf "$tmp"; }
trap stop EXIT
SRIOVKIT_TELEMETRY_STOP=$tmp/stop "$bin" "[.cli]" >"$tmp/server.out" 2>&1 &
prefix=
for _ in $(seq 1 300); do
  prefix=$(sed -n 's/^ready //p' "$tmp/server.out")
  [[ -n $prefix ]] && break
  sleep 0.1
done
[[ -n $prefix ]] || { echo "FAIL: the server did not come up:"; cat "$tmp/server.out"; exit 1; }

printf '/sriovkit/vf,3\n/sriovkit/vf,abc\n/sriovkit/vfs\n/help,/sriovkit/vf\n' |
  timeout 60 python3 "$client" -f "$prefix" >"$tmp/client.out" 2>&1
rc=$?
[[ $rc -eq 0 ]] || { echo "FAIL: $client exited $rc:"; cat "$tmp/client.out"; exit 1; }

# One JSON reply per command, in order; anything else the client prints is ignored.
python3 - "$tmp/client.out" <<'PY'
import json, sys
replies = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"/')]
want = 4
if len(replies) != want:
    sys.exit(f"FAIL: {len(replies)} replies, want {want}: {replies}")
vf, bad, vfs, help_ = replies
checks = [
    ("vf,3 answers VF 3", vf.get("/sriovkit/vf", {}).get("vf") == 3),
    ("vf,3 flattens deeper objects", vf["/sriovkit/vf"].get("stats", {}).get("mailbox/acks") == 7),
    ("vf,abc answers null", bad == {"/sriovkit/vf": None}),
    ("vfs answers the list", vfs == {"/sriovkit/vfs": [0, 1, 2, 3]}),
    ("help names the parameter", "vf_id" in help_.get("/help", {}).get("/sriovkit/vf", "")),
]
failed = [name for name, ok in checks if not ok]
for name, ok in checks:
    print(("ok   " if ok else "FAIL ") + name)
sys.exit(1 if failed else 0)
PY
