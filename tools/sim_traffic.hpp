#pragma once
// sriov-sim --traffic: every VF of a brought-up SimHost gets a data path (a pool mapped into its
// DMA domain, RX/TX queue 0), a traffic generator and a sink (harness/apps/), and traffic runs
// between the VFs for a while; then per-VF rates, loss and the device's packet accounting.
//
// The data path is built on the SimHost's own guests, after bring-up: their VF drivers stay
// what the VF table reports, admin settings included. Queue setup needs no mailbox. One
// thread (the caller's) runs it all, the device engine stepped inline between the generators'
// and the sinks' bursts, as sriov-bench does: the rates are one core's.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hal/sim/accounting.hpp"
#include "harness/apps/sink.hpp"
#include "harness/apps/traffic_gen.hpp"
#include "harness/hw/hw_host.hpp"
#include "harness/sim_host.hpp"

namespace tools {

enum class TrafficPattern {
  kRing,   ///< VF i sends to VF (i + 1) mod N
  kPairs,  ///< VF 2k and VF 2k+1 send to each other; with N odd the last VF idles
};
std::optional<TrafficPattern> parse_pattern(std::string_view s);
std::string_view to_string(TrafficPattern p);

struct TrafficOptions {
  double seconds = 1.0;
  TrafficPattern pattern = TrafficPattern::kRing;
  /// L2 bytes without FCS, 60..1514 (the guests keep the default 1500-byte MTU).
  uint32_t frame_len = 60;
  /// Per generator; 0: as fast as the TX queue takes frames.
  uint64_t rate_pps = 0;
  /// RX and TX descriptors per VF.
  uint16_t ring_size = 512;
  /// A real device only (tools/loss_rule.hpp): the loss a sender/receiver pair may have, in
  /// percent; none: default_max_loss(rate_pps != 0). In a TrafficReport: the bound applied.
  std::optional<double> max_loss;
};

/// One VF's side of the run.
struct VfTraffic {
  unsigned vf = 0;
  std::optional<unsigned> to;    ///< whom its generator sent to (none: idle)
  std::optional<unsigned> from;  ///< whose frames its sink received
  harness::apps::GenCounters tx;
  harness::apps::SinkCounters rx;
  /// Frames the sender sent to this VF and this VF's sink never got (after the drain): exact,
  /// tail losses included, unlike the sink's sequence-gap count.
  uint64_t loss = 0;
};

struct TrafficReport {
  TrafficOptions opts;
  double seconds = 0;   ///< wall time, sending and draining
  uint64_t rounds = 0;  ///< engine passes
  double tsc_hz = 0;    ///< to turn the sinks' TSC latencies into time
  std::vector<VfTraffic> vfs;
  /// False on a real device (run_traffic on an HwHost): no simulated engine counts frames;
  /// then `accounting` stays zero and the check is the sinks' (no frame received that was not
  /// sent, no duplicated frame) and the loss rule of tools/loss_rule.hpp (a receiver that got
  /// none of its sender's frames, a pair that lost more than opts.max_loss).
  bool device_accounting = true;
  sim::Accounting accounting;    ///< the device's totals (bring-up moves no frame)
  std::string accounting_check;  ///< empty when every frame is accounted for
  bool ok() const { return accounting_check.empty(); }
};

/// MiB of DPDK heap the run needs for `num_vfs` VFs (their pools and rings), with margin: what
/// to give dp::EalOptions::memory_mb.
unsigned traffic_memory_mb(unsigned num_vfs, const TrafficOptions& opts);

/// Builds every VF's data path and runs the traffic. Needs a running EAL and a host whose
/// guests are all up, and no PF thread (call host.stop() first: nothing here needs the PF).
/// Errors (one line): fewer than 2 VFs, a VF's pool, mapping or queues could not be set up, a
/// generator refused its options.
std::expected<TrafficReport, std::string> run_traffic(harness::SimHost& host,
                                                      const TrafficOptions& opts);

/// The same on real functions (--device vfio:...): every port of `host` (already set up with
/// its queue pair) sends to its peer through the NIC's VEB; the NIC moves the frames, this
/// thread runs the generators and sinks and, now and then, host.step() (the PF's mailbox,
/// the VF watchdogs). The drain ends once nothing arrived for a while (frames in flight on a
/// real device take microseconds). opts.ring_size is the host's (PortOptions), not applied
/// here. Each round also runs host.poll_engine() (tests: the simulated device behind the fake
/// kernel). Errors: as above.
std::expected<TrafficReport, std::string> run_traffic(harness::HwHost& host,
                                                      const TrafficOptions& opts);

}  // namespace tools
