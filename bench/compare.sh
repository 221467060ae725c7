#!/usr/bin/env bash
# bench/compare.sh: sriov-bench vf-to-vf against the software paths a user would pick instead of
# SR-IOV, measured in one run on the same machine and the same two cores:
#   - vhost-user/virtio-user: dpdk-testpmd with net_vhost (server) <-> dpdk-testpmd with
#     net_virtio_user, split virtqueue (the default) and packed virtqueue (packed_vq=1);
#   - memif: dpdk-testpmd with net_memif role=server <-> role=client.
# Prints Mpps per leg and the ratio sriov-bench / leg. See docs/benchmarks.md ("Comparison with
# software paths") for what is measured and why.
#
# Run it as root, holding the project's build lock so that no build competes for the cores:
#   flock /tmp/sriovkit-build.lock bench/compare.sh [options]
# It takes no lock itself (a nested flock on the same file would deadlock).
#
# Exit status: 0 all legs measured; 1 a leg failed or produced no traffic (no figure is printed
# for it); 2 bad arguments (one line naming the problem).
set -euo pipefail

prog=compare.sh
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/.." && pwd)

# ---- options ---------------------------------------------------------------------------------
duration=10          # seconds measured per leg
warmup=2             # seconds of traffic before the measured interval (testpmd legs)
size=64              # frame length in bytes without FCS, as in the mbuf (sriov-bench's --size)
runs=1               # rounds; each round measures every leg once, legs interleaved
legs_arg=sriov,vhost,vhost-packed,memif
pattern=loop         # loop: both sides io-forward a closed loop; oneway: txonly -> rxonly
loop_bursts=16       # loop: bursts of 32 injected by "start tx_first" (16 -> 512 in flight)
ring=1024            # descriptors per RX/TX ring (virtio queue_size, testpmd --rxd/--txd)
cores=0,1
json=0
keep=0
sriov_bench=${SRIOV_BENCH:-$repo_dir/build/bin/sriov-bench}
testpmd=${TESTPMD:-dpdk-testpmd}

usage() {
  cat <<EOF
usage: bench/compare.sh [options]     (as root; hold /tmp/sriovkit-build.lock while it runs)
  --duration S       seconds measured per leg (default $duration)
  --warmup S         seconds of traffic before a testpmd leg's measured interval (default $warmup)
  --size B           frame bytes without FCS, 64..1518 (default $size)
  --runs N           measure every leg N times, legs interleaved; report medians (default $runs)
  --legs LIST        comma list of sriov,vhost,vhost-packed,memif (default $legs_arg)
  --pattern P        loop (default): io forwarding on both testpmd sides, a closed loop, Mpps
                     each way; oneway: txonly (client side) -> rxonly (server side)
  --loop-bursts N    loop: bursts of 32 packets injected with "start tx_first N", 1..$((ring / 32))
                     (default $loop_bursts: $((loop_bursts * 32)) packets in flight)
  --cores A,B        the two cores (default $cores): testpmd server side on A, client side on B
  --sriov-bench PATH the sriov-bench binary (default build/bin/sriov-bench)
  --testpmd PATH     the testpmd binary (default dpdk-testpmd from Debian's dpdk-dev)
  --json             one JSON object on stdout instead of the table
  --keep             keep the temp dir (testpmd logs, sriov-bench JSON) and print its path
EOF
}

usage_error() {
  echo "$prog: $*" >&2
  exit 2
}

die() {
  echo "$prog: $*" >&2
  exit 1
}

is_number() { [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]]; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
positive() { awk -v x="$1" 'BEGIN { exit !(x > 0) }'; }

need_value() {  # need_value OPTION ARGC
  [[ $2 -ge 2 ]] || usage_error "$1 needs a value"
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) need_value "$1" $#; duration=$2; shift 2 ;;
    --warmup) need_value "$1" $#; warmup=$2; shift 2 ;;
    --size) need_value "$1" $#; size=$2; shift 2 ;;
    --runs) need_value "$1" $#; runs=$2; shift 2 ;;
    --legs) need_value "$1" $#; legs_arg=$2; shift 2 ;;
    --pattern) need_value "$1" $#; pattern=$2; shift 2 ;;
    --loop-bursts) need_value "$1" $#; loop_bursts=$2; shift 2 ;;
    --cores) need_value "$1" $#; cores=$2; shift 2 ;;
    --sriov-bench) need_value "$1" $#; sriov_bench=$2; shift 2 ;;
    --testpmd) need_value "$1" $#; testpmd=$2; shift 2 ;;
    --json) json=1; shift ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument '$1' (try --help)" ;;
  esac
done

{ is_number "$duration" && positive "$duration"; } || usage_error "--duration: '$duration' is not a positive number of seconds"
{ is_number "$warmup" && positive "$warmup"; } || usage_error "--warmup: '$warmup' is not a positive number of seconds"
{ is_uint "$size" && ((size >= 64 && size <= 1518)); } || usage_error "--size: '$size' is not in 64..1518"
{ is_uint "$runs" && ((runs >= 1 && runs <= 99)); } || usage_error "--runs: '$runs' is not in 1..99"
{ is_uint "$loop_bursts" && ((loop_bursts >= 1 && loop_bursts <= ring / 32)); } || usage_error "--loop-bursts: '$loop_bursts' is not in 1..$((ring / 32))"
size=$((10#$size)) runs=$((10#$runs)) loop_bursts=$((10#$loop_bursts))
duration=$(awk -v x="$duration" 'BEGIN { print x + 0 }') warmup=$(awk -v x="$warmup" 'BEGIN { print x + 0 }')
[[ $pattern == loop || $pattern == oneway ]] || usage_error "--pattern: '$pattern' is not loop or oneway"
[[ $cores =~ ^([0-9]+),([0-9]+)$ ]] || usage_error "--cores: '$cores' is not A,B"
core_a=${BASH_REMATCH[1]}
core_b=${BASH_REMATCH[2]}
((core_a != core_b)) || usage_error "--cores: the two cores must differ"
IFS=, read -r -a legs <<<"$legs_arg"
((${#legs[@]} > 0)) || usage_error "--legs: empty list"
for leg in "${legs[@]}"; do
  case $leg in
    sriov | vhost | vhost-packed | memif) ;;
    *) usage_error "--legs: unknown leg '$leg' (sriov, vhost, vhost-packed, memif)" ;;
  esac
done
for ((i = 0; i < ${#legs[@]}; i++)); do
  for ((j = i + 1; j < ${#legs[@]}; j++)); do
    [[ ${legs[i]} != "${legs[j]}" ]] || usage_error "--legs: '${legs[i]}' given twice"
  done
done

# ---- environment -----------------------------------------------------------------------------
[[ $(id -u) -eq 0 ]] || die "must run as root (DPDK's runtime directory, taskset)"
allowed=$(taskset -pc $$ | sed 's/.*: //')
cpu_allowed() {  # cpu_allowed N: N is in this process's affinity list (e.g. "0,1" or "0-3")
  local part lo hi parts
  IFS=, read -r -a parts <<<"$allowed"
  for part in "${parts[@]}"; do
    lo=${part%-*}
    hi=${part#*-}
    ((lo <= $1 && $1 <= hi)) && return 0
  done
  return 1
}
cpu_allowed "$core_a" || die "core $core_a is not usable here (allowed: $allowed)"
cpu_allowed "$core_b" || die "core $core_b is not usable here (allowed: $allowed)"
has_testpmd_leg=0
has_sriov_leg=0
for leg in "${legs[@]}"; do
  if [[ $leg == sriov ]]; then has_sriov_leg=1; else has_testpmd_leg=1; fi
done
if ((has_testpmd_leg)); then
  command -v "$testpmd" >/dev/null || die "$testpmd not found (Debian package dpdk-dev)"
fi
if ((has_sriov_leg)); then
  [[ -x $sriov_bench ]] || die "$sriov_bench not found; build it: ninja -C build sriov-bench"
fi

# ---- cleanup: every process we started, the temp dir, DPDK's runtime dirs of our prefixes -------
tmp=$(mktemp -d /tmp/sriovkit-compare.XXXXXX)
pids=()
prefixes=()
fifo_fds=()

cleanup() {
  local pid fd prefix t
  # Ignored, not reset: timeout(1) and a terminal deliver the signal twice (to us and to our
  # process group); a second one must not kill the shell half way through the cleanup.
  trap - EXIT
  trap '' INT TERM
  # testpmd first gets "stop" then "quit" (a clean shutdown; memif's PMD can crash when its peer
  # disconnects while it still forwards), then TERM, then KILL; 2 s between steps.
  for fd in "${fifo_fds[@]}"; do { echo stop 1>&"$fd"; } 2>/dev/null || true; done
  if ((${#fifo_fds[@]} > 0)); then sleep 0.5; fi
  for fd in "${fifo_fds[@]}"; do { echo quit 1>&"$fd"; } 2>/dev/null || true; done
  for ((t = 0; t < 20 && ${#fifo_fds[@]} > 0; t++)); do
    any_alive || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for ((t = 0; t < 20; t++)); do
    any_alive || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    { wait "$pid"; } 2>/dev/null || true
  done
  for fd in "${fifo_fds[@]}"; do { exec {fd}>&-; } 2>/dev/null || true; done
  for prefix in "${prefixes[@]}"; do rm -rf "/var/run/dpdk/$prefix"; done
  if ((keep)); then echo "$prog: logs kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
any_alive() {
  local pid
  for pid in "${pids[@]}"; do alive "$pid" && return 0; done
  return 1
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

progress() { echo "$prog: $*" >&2; }

# alive PID: the process runs (kill -0 also succeeds on our exited, not yet reaped children).
alive() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# forget_pid PID: PID has been reaped; drop it so that cleanup never signals a reused PID.
forget_pid() {
  local p kept=()
  for p in "${pids[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done
  pids=("${kept[@]}")
}

# nap S: sleep that a trapped INT/TERM interrupts at once (a foreground sleep would delay the
# trap until it ends); cleanup kills the sleep.
nap() {
  local p
  sleep "$1" &
  p=$!
  pids+=("$p")
  wait "$p"
  forget_pid "$p"
}

# ---- testpmd pair ----------------------------------------------------------------------------
# wait_for_log FILE REGEX SECONDS PID: waits until FILE has a line matching REGEX; fails if PID
# exits first or the time runs out.
wait_for_log() {
  local file=$1 re=$2 secs=$3 pid=$4 t
  for ((t = 0; t < secs * 10; t++)); do
    grep -aqE "$re" "$file" 2>/dev/null && return 0
    alive "$pid" || return 1
    sleep 0.1
  done
  return 1
}

log_tail() {  # a testpmd log's error lines and its end, escape sequences removed, indented
  echo "    --- $1:" >&2
  { tr -d '\033' <"$1" | grep -aiE 'error|fail|cause|invalid|cannot' | grep -av 'promiscuous' | head -n 10 | sed 's/^/    /' >&2; } || true
  echo "    ..." >&2
  { tr -d '\033' <"$1" | grep -av '^VHOST_CONFIG' | tail -n 6 | sed 's/^/    /' >&2; } || true
}

# start_testpmd NAME CORE VDEV MODE: starts one dpdk-testpmd, interactive, its stdin a FIFO we
# hold open. Sets started_pid, started_fd, started_log.
start_testpmd() {
  local name=$1 core=$2 vdev=$3 mode=$4 prefix fifo fd
  prefix=sriovkit-compare-$$-$name
  prefixes+=("$prefix")
  fifo=$tmp/$name.in
  started_log=$tmp/$name.log
  mkfifo "$fifo"
  exec {fd}<>"$fifo"
  fifo_fds+=("$fd")
  local app=(-i --port-topology=loop --nb-cores=1 --rxq=1 --txq=1 "--rxd=$ring" "--txd=$ring"
    "--txpkts=$size" --total-num-mbufs=16384 "--forward-mode=$mode")
  # Two lcores on one core: lcore 0 (main) sleeps in the command line's read(), lcore 1 polls.
  # Its own session: a signal to our process group (Ctrl-C, timeout(1)) reaches only this script,
  # whose cleanup shuts testpmd down with "quit" (testpmd with memif can crash on SIGTERM). This
  # script runs without job control, so the child is no group leader and setsid(1) execs in
  # place: $! is testpmd's PID.
  setsid taskset -c "$core" stdbuf -oL "$testpmd" --lcores "0@$core,1@$core" --no-huge -m 256 --no-pci \
    --no-telemetry --file-prefix "$prefix" --vdev "$vdev" -- "${app[@]}" \
    <"$fifo" >"$started_log" 2>&1 &
  started_pid=$!
  started_fd=$fd
  pids+=("$started_pid")
}

# link_up FD LOG PID: asks testpmd for port 0's link until it reports up (10 s at most).
link_up() {
  local fd=$1 log=$2 pid=$3 t
  for ((t = 0; t < 50; t++)); do
    echo "show port info 0" >&"$fd"
    sleep 0.2
    grep -aq 'Link status: up' "$log" && return 0
    alive "$pid" || return 1
  done
  return 1
}

# last_stat LOG FIELD: the value after "FIELD:" in the last port-statistics block of LOG.
last_stat() {
  tr -d '\033' <"$1" | awk -v f="$2:" '$1 == f { v = $2 } END { if (v != "") print v }'
}

# stat_count LOG FIELD: how many times "FIELD:" appears.
stat_count() {
  tr -d '\033' <"$1" | awk -v f="$2:" '$1 == f { n++ } END { print n + 0 }'
}

# fwd_dropped LOG: TX-dropped of the accumulated forward statistics printed by "stop".
fwd_dropped() {
  tr -d '\033' <"$1" | awk '$3 == "TX-dropped:" { v = $4 } END { print v + 0 }'
}

# run_pair LEG: one testpmd pair; sets pair_mpps (the leg's figure), pair_a_rx_mpps,
# pair_b_mpps (loop: client side receive rate; oneway: its transmit rate), pair_dropped (packets
# testpmd dropped on transmit over the whole run). Server side "a" on core A, client side "b" on
# core B.
run_pair() {
  local leg=$1 run=$2 desc vdev_a vdev_b mode_a mode_b sock
  desc=$(leg_desc "$leg")
  sock=$tmp/$leg-$run.sock
  case $leg in
    vhost | vhost-packed)
      vdev_a="net_vhost0,iface=$sock,queues=1"
      vdev_b="net_virtio_user0,path=$sock,queues=1,queue_size=$ring"
      if [[ $leg == vhost-packed ]]; then vdev_b+=",packed_vq=1"; fi
      ;;
    memif)
      vdev_a="net_memif0,role=server,id=0,socket=$sock,socket-abstract=no,rsize=$(log2 "$ring")"
      vdev_b="net_memif0,role=client,id=0,socket=$sock,socket-abstract=no,rsize=$(log2 "$ring")"
      ;;
  esac
  if [[ $pattern == loop ]]; then
    mode_a=io mode_b=io
  else
    mode_a=rxonly mode_b=txonly
  fi

  local pid_a fd_a log_a pid_b fd_b log_b
  start_testpmd "$leg-$run-a" "$core_a" "$vdev_a" "$mode_a"
  pid_a=$started_pid fd_a=$started_fd log_a=$started_log
  if ! wait_for_log "$log_a" 'testpmd> ' 30 "$pid_a"; then
    log_tail "$log_a"
    die "$desc: the server-side testpmd did not come up (log above)"
  fi
  start_testpmd "$leg-$run-b" "$core_b" "$vdev_b" "$mode_b"
  pid_b=$started_pid fd_b=$started_fd log_b=$started_log
  if ! wait_for_log "$log_b" 'testpmd> ' 30 "$pid_b"; then
    log_tail "$log_b"
    die "$desc: the client-side testpmd did not come up (log above)"
  fi
  local side
  for side in a b; do
    local fd=$fd_a log=$log_a pid=$pid_a
    if [[ $side == b ]]; then fd=$fd_b log=$log_b pid=$pid_b; fi
    if ! link_up "$fd" "$log" "$pid"; then
      log_tail "$log"
      die "$desc: port 0 of side $side never reported link up (log above)"
    fi
  done

  # The server side starts first: "start" flushes the RX queue, which must happen before the
  # client's first burst arrives (in a loop a lost burst never comes back). The client's own flush
  # also primes its RX ring (memif's server cannot transmit until the client has posted buffers;
  # with --no-flush-rx the loop's first 512 packets are dropped there).
  if [[ $pattern == loop ]]; then
    # io forwarding that waits (1 us, up to 64 times) when the peer's ring is full instead of
    # dropping: in a closed loop a dropped packet is gone for good (DPDK's PVP reference
    # benchmark uses "set fwd mac retry" for the same reason).
    echo "set fwd io retry" >&"$fd_a"
    echo "set fwd io retry" >&"$fd_b"
  fi
  echo start >&"$fd_a"
  sleep 0.5
  if [[ $pattern == loop ]]; then
    echo "start tx_first $loop_bursts" >&"$fd_b"
  else
    echo start >&"$fd_b"
  fi
  nap "$warmup"
  # First "show port stats": the baseline. The second one's Rx-pps is testpmd's own rate over
  # the interval between the two (packets delta / CLOCK_MONOTONIC_RAW delta).
  echo "show port stats 0" >&"$fd_a"
  echo "show port stats 0" >&"$fd_b"
  nap "$duration"
  echo "show port stats 0" >&"$fd_a"
  echo "show port stats 0" >&"$fd_b"
  # Both stop forwarding before either quits: memif's PMD can crash when its peer disconnects
  # while it still forwards.
  echo stop >&"$fd_a"
  echo stop >&"$fd_b"
  wait_for_log "$log_a" 'Accumulated forward statistics' 5 "$pid_a" || true
  wait_for_log "$log_b" 'Accumulated forward statistics' 5 "$pid_b" || true
  sleep 0.2
  echo quit >&"$fd_b"
  echo quit >&"$fd_a"
  local t
  for ((t = 0; t < 100; t++)); do
    alive "$pid_a" || alive "$pid_b" || break
    sleep 0.1
  done

  local n_a n_b rx_a rx_b
  n_a=$(stat_count "$log_a" Rx-pps)
  n_b=$(stat_count "$log_b" Rx-pps)
  if ((n_a < 2 || n_b < 2)); then
    log_tail "$log_a"
    log_tail "$log_b"
    die "$desc: testpmd did not print both statistics samples (logs above)"
  fi
  rx_a=$(last_stat "$log_a" Rx-pps)
  if [[ $pattern == loop ]]; then rx_b=$(last_stat "$log_b" Rx-pps); else rx_b=$(last_stat "$log_b" Tx-pps); fi
  pair_dropped=$(($(fwd_dropped "$log_a") + $(fwd_dropped "$log_b")))
  pair_a_rx_mpps=$(awk -v p="$rx_a" 'BEGIN { printf "%.3f", p / 1e6 }')
  pair_b_mpps=$(awk -v p="$rx_b" 'BEGIN { printf "%.3f", p / 1e6 }')
  if [[ $pattern == loop ]]; then
    # Each side receives what the other sends: the two directions carry the same rate (up to
    # the packets in flight); the figure per direction is their mean.
    if ((rx_a == 0 || rx_b == 0)); then
      die "$desc: no traffic in the measured interval (Rx-pps server side $rx_a, client side $rx_b)"
    fi
    pair_mpps=$(awk -v a="$rx_a" -v b="$rx_b" 'BEGIN { printf "%.3f", (a + b) / 2e6 }')
    if ((pair_dropped > 0)); then
      progress "warning: $desc: $pair_dropped packets dropped on transmit; the loop ran with fewer than $((loop_bursts * 32)) packets in flight"
    fi
  else
    if ((rx_a == 0)); then
      die "$desc: no traffic in the measured interval (Rx-pps on the receiving side 0)"
    fi
    pair_mpps=$pair_a_rx_mpps
  fi
  # Close this pair's FIFOs; the processes have quit (cleanup kills any that did not).
  local pid
  exec {fd_a}>&- {fd_b}>&-
  local fds=()
  for fd in "${fifo_fds[@]}"; do [[ $fd == "$fd_a" || $fd == "$fd_b" ]] || fds+=("$fd"); done
  fifo_fds=("${fds[@]}")
  for pid in "$pid_a" "$pid_b"; do
    if alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
  done
}

log2() {
  local n=$1 k=0
  while ((n > 1)); do n=$((n / 2)); k=$((k + 1)); done
  echo "$k"
}

leg_desc() {
  case $1 in
    sriov) echo "sriov-bench vf-to-vf" ;;
    vhost) echo "vhost-user/virtio-user (split ring)" ;;
    vhost-packed) echo "vhost-user/virtio-user (packed ring)" ;;
    memif) echo "memif" ;;
  esac
}

# ---- sriov-bench -----------------------------------------------------------------------------
# run_sriov: sets sriov_mpps and sriov_threading. Confined to the same two cores. No placement
# flags with the default cores, so sriov-bench uses its default placement (engine on cpu 0,
# guests on cpu 1); other --cores are passed on as --engine-cpu A --guest-cpu B.
run_sriov() {
  local out=$tmp/sriov-bench.json rc=0 placement=() fields ok
  if [[ $core_a != 0 || $core_b != 1 ]]; then placement=(--engine-cpu "$core_a" --guest-cpu "$core_b"); fi
  taskset -c "$core_a,$core_b" "$sriov_bench" vf-to-vf --duration "$duration" --size "$size" --json \
    "${placement[@]}" >"$out" 2>"$tmp/sriov-bench.err" &
  local pid=$!
  pids+=("$pid")
  wait "$pid" || rc=$?
  forget_pid "$pid"
  if ((rc != 0)); then
    sed 's/^/    /' "$tmp/sriov-bench.err" >&2
    die "sriov-bench vf-to-vf failed (exit $rc)"
  fi
  # nlohmann::json dump(2): top-level keys at two spaces, the accounting's at four.
  fields=$(awk '
    /^  "[^"]*":/ { top = $1; gsub(/[":]/, "", top) }
    /^  "mpps": / { v = $2; sub(/,$/, "", v); print "mpps", v }
    top == "accounting" && /^    "ok": / { v = $2; sub(/,$/, "", v); print "ok", v }
    /^  "threading": / { sub(/^  "threading": "/, ""); sub(/",?$/, ""); print "threading", $0 }' "$out")
  sriov_mpps=$(awk '$1 == "mpps" { print $2 }' <<<"$fields")
  ok=$(awk '$1 == "ok" { print $2 }' <<<"$fields")
  sriov_threading=$(sed -n 's/^threading //p' <<<"$fields")
  [[ $sriov_mpps =~ ^[0-9.eE+-]+$ ]] || die "sriov-bench vf-to-vf: no \"mpps\" in its JSON output"
  [[ $ok == true ]] || die "sriov-bench vf-to-vf: its packet accounting did not check out (accounting.ok: ${ok:-missing})"
  positive "$sriov_mpps" || die "sriov-bench vf-to-vf: no traffic (mpps $sriov_mpps)"
  sriov_mpps=$(awk -v x="$sriov_mpps" 'BEGIN { printf "%.3f", x }')
}

# busy_pct: how busy cores A and B were over 0.5 s (percent of their time not idle or iowait),
# before a leg starts: anything else polling there skews the figures.
cpu_ticks() {  # cpu_ticks: "busy total" summed over cores A and B, from /proc/stat
  awk -v a="cpu$core_a" -v b="cpu$core_b" '$1 == a || $1 == b {
      for (i = 2; i <= NF; i++) { t += $i; if (i == 5 || i == 6) idle += $i } }
    END { print t - idle, t }' /proc/stat
}
busy_pct() {
  local b0 t0 b1 t1
  read -r b0 t0 <<<"$(cpu_ticks)"
  nap 0.5
  read -r b1 t1 <<<"$(cpu_ticks)"
  awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.0f", (t > 0 ? 100 * b / t : 0) }'
}
check_quiet() {  # check_quiet LEG: sets quiet_busy, warns when cores A and B are not idle
  quiet_busy=$(busy_pct)
  if ((quiet_busy > 10)); then
    progress "warning: cores $core_a,$core_b were $quiet_busy% busy before $(leg_desc "$1") started: something else runs there, the figures will be low (hold /tmp/sriovkit-build.lock; see who polls)"
  fi
}

# ---- measure -------------------------------------------------------------------------------
declare -A results=()       # leg -> space-separated Mpps, one per run
declare -A results_a=()     # leg -> server side receive Mpps per run (testpmd legs)
declare -A results_b=()     # leg -> client side receive (loop) or transmit (oneway) Mpps per run
declare -A results_drop=()  # leg -> TX drops per run
declare -A results_busy=()  # leg -> busy percent of the two cores just before, per run
sriov_threading=

for ((run = 1; run <= runs; run++)); do
  for leg in "${legs[@]}"; do
    check_quiet "$leg"
    results_busy[$leg]+="$quiet_busy "
    if [[ $leg == sriov ]]; then
      progress "run $run/$runs: $(leg_desc "$leg"), $duration s ..."
      run_sriov
      results[$leg]+="$sriov_mpps "
      progress "  $sriov_mpps Mpps"
    else
      progress "run $run/$runs: $(leg_desc "$leg"), $warmup s warm-up + $duration s ..."
      run_pair "$leg" "$run"
      results[$leg]+="$pair_mpps "
      results_a[$leg]+="$pair_a_rx_mpps "
      results_b[$leg]+="$pair_b_mpps "
      results_drop[$leg]+="$pair_dropped "
      if [[ $pattern == loop ]]; then
        progress "  $pair_mpps Mpps (received: server side $pair_a_rx_mpps, client side $pair_b_mpps; tx drops $pair_dropped)"
      else
        progress "  $pair_mpps Mpps (client side sent $pair_b_mpps Mpps; refused by a full ring and dropped over the run: $pair_dropped)"
      fi
    fi
  done
done

# median / min / max of a space-separated list
stats_of() {
  tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '
    { v[NR] = $1 }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

json_list() { tr -s ' ' '\n' <<<"$1" | grep -v '^$' | paste -sd, -; }

sriov_median=
if ((has_sriov_leg)); then
  read -r sriov_median _ _ <<<"$(stats_of "${results[sriov]}")"
fi

if [[ $pattern == loop ]]; then
  pattern_text="loop: testpmd io forwarding on both sides, $((loop_bursts * 32)) packets in flight; Mpps each way"
else
  pattern_text="oneway: testpmd txonly (client side) -> rxonly (server side); Mpps one way"
fi

if ((json)); then
  printf '{\n  "frame_bytes": %d,\n  "duration_s": %s,\n  "warmup_s": %s,\n  "runs": %d,\n' "$size" "$duration" "$warmup" "$runs"
  printf '  "cores": [%d, %d],\n  "pattern": "%s",\n' "$core_a" "$core_b" "$pattern"
  if ((has_testpmd_leg)) && [[ $pattern == loop ]]; then
    printf '  "packets_in_flight": %d,\n' $((loop_bursts * 32))
  fi
  printf '  "legs": [\n'
  n=0
  for leg in "${legs[@]}"; do
    read -r med lo hi <<<"$(stats_of "${results[$leg]}")"
    if ((n++ > 0)); then printf ',\n'; fi
    printf '    {"leg": "%s", "description": "%s", "mpps": %s, "mpps_min": %s, "mpps_max": %s, "mpps_runs": [%s]' \
      "$leg" "$(leg_desc "$leg")" "$med" "$lo" "$hi" "$(json_list "${results[$leg]}")"
    printf ', "cores_busy_pct_before_runs": [%s]' "$(json_list "${results_busy[$leg]}")"
    if [[ $leg == sriov ]]; then
      printf ', "threading": "%s"' "$sriov_threading"
    else
      b_key=rx_mpps_client_side_runs
      if [[ $pattern == oneway ]]; then b_key=tx_mpps_client_side_runs; fi
      printf ', "rx_mpps_server_side_runs": [%s], "%s": [%s], "tx_dropped_runs": [%s]' \
        "$(json_list "${results_a[$leg]}")" "$b_key" "$(json_list "${results_b[$leg]}")" "$(json_list "${results_drop[$leg]}")"
      if [[ -n $sriov_median ]]; then printf ', "sriov_bench_over_leg": %s' "$(ratio "$sriov_median" "$med")"; fi
    fi
    printf '}'
  done
  printf '\n  ]\n}\n'
else
  echo "sriovkit compare: $size B frames, $duration s measured per leg, $runs run(s), cores $core_a,$core_b"
  if ((has_testpmd_leg)); then
    echo "testpmd legs: $pattern_text; $warmup s warm-up excluded"
  fi
  if ((has_sriov_leg)); then
    # sriov_threading is the JSON string's text, escapes included; undo the two that can occur.
    t=${sriov_threading//\\\"/\"}
    echo "sriov-bench vf-to-vf: one direction, VF 0 -> VF 1; threading: ${t//\\\\/\\}"
  fi
  echo
  if ((runs > 1)); then
    printf '%-38s %9s %9s %9s  %s\n' leg "Mpps(med)" min max "sriov-bench / leg"
  else
    printf '%-38s %9s  %s\n' leg Mpps "sriov-bench / leg"
  fi
  for leg in "${legs[@]}"; do
    read -r med lo hi <<<"$(stats_of "${results[$leg]}")"
    r=-
    if [[ -n $sriov_median && $leg != sriov ]]; then r="$(ratio "$sriov_median" "$med")x"; fi
    if ((runs > 1)); then
      printf '%-38s %9s %9s %9s  %s\n' "$(leg_desc "$leg")" "$med" "$lo" "$hi" "$r"
    else
      printf '%-38s %9s  %s\n' "$(leg_desc "$leg")" "$med" "$r"
    fi
  done
fi
