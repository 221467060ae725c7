#!/usr/bin/env bash
# Installs the Debian 12 packages sriovkit builds with, only when one is missing (idempotent).
set -euo pipefail

# linux-libc-dev: <linux/vfio.h> for the VFIO backend (hal/vfio); build-essential pulls it in
# through libc6-dev today, named here because we include it ourselves.
packages=(
  build-essential cmake ninja-build pkg-config linux-libc-dev
  libdpdk-dev libnl-3-dev libnl-route-3-dev
  catch2 libfmt-dev libcli11-dev nlohmann-json3-dev
  dpdk-dev tshark iputils-ping iproute2 python3
)
# --fuzz: also what the fuzz build (tools/fuzz.sh) needs. Debian 12's default clang 14 cannot
# use libstdc++ 12's <expected> (its __cpp_concepts is too old); clang 19 can.
# libclang-rt-19-dev has libFuzzer, llvm-19 the symbolizer that puts function names and lines
# into sanitizer reports. Not installed for the demo and the test suite, which do not use them.
if [[ ${1:-} == --fuzz ]]; then
  packages+=(clang-19 libclang-rt-19-dev llvm-19)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "sriovkit: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "sriovkit: missing packages and not root; run: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
