#!/usr/bin/env bash
# The main job: install what is missing, build, and run the simulated host (8 VFs by default).
# Extra arguments go to sriov-sim, e.g.: tools/demo.sh --vfs 63 --json
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tools/build.sh" "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
exec "$root/build/bin/sriov-sim" "$@"
