#!/usr/bin/env bash
# Command-line contract of sriov-doctor: exit status per fixture, one-line usage errors, JSON that
# parses, and a run against the live host that ends with a reason rather than a crash.
# Usage: sriov_doctor_cli.sh SRIOV_DOCTOR FIXTURES_DIR
set -u
doctor=$1
fixtures=$2
fail=0
err_file=$(mktemp)
live_file=$(mktemp)
scratch=$(mktemp -d)
trap 'rm -f "$err_file" "$live_file"; rm -rf "$scratch"' EXIT

check() {  # check NAME EXPECTED_EXIT ARGS...
  local name=$1 want=$2; shift 2
  local out err rc
  out=$("$doctor" "$@" 2>"$err_file"); rc=$?
  err=$(cat "$err_file")
  LAST_OUT=$out
  if [[ $rc -ne $want ]]; then
    echo "FAIL $name: exit $rc, want $want; stderr: $err"; fail=1; return
  fi
  echo "ok   $name"
}

usage_error() {  # usage_error NAME ARGS...: exit 2, exactly one line on stderr, nothing on stdout
  local name=$1; shift
  local out rc lines
  out=$("$doctor" "$@" 2>"$err_file"); rc=$?
  lines=$(wc -l <"$err_file")
  if [[ $rc -ne 2 || $lines -ne 1 || -n $out ]]; then
    echo "FAIL $name: exit $rc, $lines stderr lines, stdout '${out:0:60}'"; fail=1; return
  fi
  echo "ok   $name: $(cat "$err_file")"
}

expect_line() {  # expect_line NAME REGEX: some line of the last output matches
  if ! printf '%s\n' "$LAST_OUT" | grep -Eq "$2"; then
    echo "FAIL $1: no line matching /$2/"; fail=1
  fi
}

json_verdict() {  # json_verdict NAME EXIT ARGS...: --json parses and carries the exit status
  local name=$1 want=$2; shift 2
  local got
  got=$("$doctor" --json "$@" | python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["exit_status"], len(j["checks"]) > 0 and all({"name", "status", "evidence", "fix"} <= set(c) for c in j["checks"]))')
  if [[ $got != "$want True" ]]; then
    echo "FAIL $name: JSON gave '$got', want '$want True'"; fail=1; return
  fi
  echo "ok   $name"
}

check "ready fixture is ready" 0 --root "$fixtures/ready"
[[ $(printf '%s\n' "$LAST_OUT" | grep -c '^PASS ') -eq 12 ]] || { echo "FAIL: ready fixture has not 12 PASS lines"; fail=1; }
expect_line "ready summary" '^ready: 12 passed$'
check "no-iommu fixture is not ready" 2 --root "$fixtures/no-iommu"
expect_line "no-iommu names the IOMMU" '^FAIL iommu: no IOMMU is active'
expect_line "no-iommu gives a fix" '^     fix: enable VT-d'
check "no-acs fixture is not ready" 2 --root "$fixtures/no-acs"
expect_line "no-acs names the port" '^FAIL acs\[0000:01:00\.0\]: 0000:00:01\.0 \(root port\) has no ACS'
check "sriov-off fixture is not ready" 2 --root "$fixtures/sriov-off"
expect_line "sriov-off names the firmware" '^FAIL sriov_capability\[0000:01:00\.0\]: SR-IOV is off in the firmware'
check "evidence lines" 0 --root "$fixtures/ready" --evidence
expect_line "evidence shows the ACS registers" '^     \| .*ACS at 0x148'

json_verdict "ready as JSON" 0 --root "$fixtures/ready"
json_verdict "no-iommu as JSON" 2 --root "$fixtures/no-iommu"
json_verdict "no-acs as JSON" 2 --root "$fixtures/no-acs"
json_verdict "sriov-off as JSON" 2 --root "$fixtures/sriov-off"

# --device vfio:BDF: the "device" check, discover + preflight of our VFIO backend.
check "--device sim checks nothing more" 0 --root "$fixtures/ready" --device sim
[[ $(printf '%s\n' "$LAST_OUT" | grep -c '^PASS ') -eq 12 ]] || { echo "FAIL: --device sim changed the report"; fail=1; }
check "VF on vfio-pci without its group node" 2 --root "$fixtures/ready" --device vfio:0000:01:10.0
expect_line "names the missing node" '^FAIL device\[0000:01:10\.0\]: no_permission: /dev/vfio/40 is missing'
expect_line "device failure is in the verdict" '^not ready: 1 failed \(device\[0000:01:10\.0\]\), 12 passed$'
cp -a "$fixtures/ready" "$scratch/ready" && touch "$scratch/ready/dev/vfio/40"
check "VF on vfio-pci with its group node is ready" 0 --root "$scratch/ready" --device vfio:0000:01:10.0
expect_line "ready line" '^PASS device\[0000:01:10\.0\]: ready for VFIO: 8086:10ed \(82599 VF\) of 0000:01:00\.0 \(ixgbe\).*/dev/vfio/40'
check "VF on ixgbevf" 2 --root "$fixtures/ready" --device vfio:0000:01:10.2
expect_line "names the driver" '^FAIL device\[0000:01:10\.2\]: wrong_driver: 0000:01:10\.2 is bound to ixgbevf'
expect_line "gives the rebind commands" '^     fix: .*echo vfio-pci > /sys/bus/pci/devices/0000:01:10\.2/driver_override'
check "two functions, one each" 2 --root "$fixtures/ready" --device vfio:0000:01:10.2,0000:01:00.0
expect_line "the PF on ixgbe" '^FAIL device\[0000:01:00\.0\]: wrong_driver: 0000:01:00\.0 is bound to ixgbe'
check "no IOMMU" 2 --root "$fixtures/no-iommu" --device vfio:0000:01:10.0
expect_line "names the IOMMU" '^FAIL device\[0000:01:10\.0\]: no_iommu: 0000:01:10\.0 is in no IOMMU group'
expect_line "gives the IOMMU fix" '^     fix: enable VT-d.*enable_unsafe_noiommu_mode'
got=$("$doctor" --json --root "$fixtures/ready" --device vfio:0000:01:10.2 | python3 -c 'import json, sys; j = json.load(sys.stdin); d = j["devices"][0]; print(j["exit_status"], d["address"], d["ready"], d["failure"], "driver_override" in d["fix"], j["checks"][-1]["name"])')
if [[ $got != "2 0000:01:10.2 False wrong_driver True device" ]]; then
  echo "FAIL --device as JSON: '$got'"; fail=1
else
  echo "ok   --device as JSON"
fi
got=$("$doctor" --json --root "$scratch/ready" --device vfio:0000:01:10.0 | python3 -c 'import json, sys; j = json.load(sys.stdin); d = j["devices"][0]; print(j["exit_status"], d["ready"], d["failure"], d["fix"], d["group_node"])')
if [[ $got != "0 True None None /dev/vfio/40" ]]; then
  echo "FAIL ready --device as JSON: '$got'"; fail=1
else
  echo "ok   ready --device as JSON"
fi
usage_error "--device that is neither sim nor vfio:" --device bogus
usage_error "--device with a bad address" --device vfio:0000:01:10.x
usage_error "--device without a value" --device

usage_error "unknown option" --frobnicate
usage_error "missing root directory" --root /nonexistent/sriov-doctor
usage_error "root that is a file" --root "$fixtures/ready/proc/cmdline"
usage_error "--root without a value" --root
usage_error "unexpected positional argument" extra
check "--help" 0 --help

# The live host. Without SR-IOV hardware (this project's CI machine is a VM) it must not say
# ready; it must end normally and its last line must name what failed or warned.
"$doctor" >"$live_file" 2>"$err_file"; rc=$?
last=$(tail -n 1 "$live_file")
have_pf=$(ls /sys/bus/pci/devices/*/sriov_totalvfs 2>/dev/null | head -n 1)
if [[ $rc -ge 3 ]]; then
  echo "FAIL live host: exit $rc (crash?); stderr: $(cat "$err_file")"; fail=1
elif [[ $rc -eq 0 && -z $have_pf ]]; then
  echo "FAIL live host: exit 0 on a host without SR-IOV hardware"; fail=1
elif [[ $rc -ne 0 && ! $last =~ ^(not\ ready|ready\ with\ warnings):\ .*(failed|warning).*\(.+\) ]]; then
  echo "FAIL live host: exit $rc but the last line gives no reason: $last"; fail=1
else
  echo "ok   live host: exit $rc: $last"
fi
"$doctor" --json | python3 -c 'import json, sys; json.load(sys.stdin)' ||
  { echo "FAIL live host: --json does not parse"; fail=1; }
# A function this machine does not have: the device check fails fast, naming it.
"$doctor" --device vfio:0000:7f:1f.7 >"$live_file" 2>"$err_file"; rc=$?
if [[ $rc -ne 2 ]] || ! grep -Eq '^FAIL device\[0000:7f:1f\.7\]: (no_such_function|not_supported|no_iommu|no_vfio|wrong_driver)' "$live_file"; then
  echo "FAIL live host --device: exit $rc: $(grep device "$live_file")"; fail=1
else
  echo "ok   live host --device: $(grep '^FAIL device' "$live_file" | cut -c1-100)"
fi
exit $fail
