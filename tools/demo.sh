#!/usr/bin/env bash
# The main job: install what is missing, build, and run the simulated host. Without arguments:
# 8 VFs brought up, then 2 s of traffic between them (per-VF rates). Arguments replace that and
# go to sriov-sim, e.g.: tools/demo.sh --vfs 63 --json
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tools/build.sh" "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
if (($# == 0)); then
  set -- --vfs 8 --traffic 2
fi
exec "$root/build/bin/sriov-sim" "$@"
