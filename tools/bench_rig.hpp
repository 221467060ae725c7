#pragma once
// One sriov-bench scenario set up: the simulated host (device, PF driver, VF ports with their
// queue pairs), the wire and its peer, the PF's host queues, the senders' pools prefilled, and
// the senders and receivers the loop drives. Also where the run is judged: the device's packet
// accounting, the wire's counters and the loop's totals must agree (docs/benchmarks.md,
// "Scenarios").

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "datapath/dma_map.hpp"
#include "hal/sim/accounting.hpp"
#include "hal/sim/device.hpp"
#include "harness/datapath_host.hpp"
#include "harness/hw/hw_host.hpp"
#include "harness/wire/open_wire.hpp"
#include "pf_driver/host_queues.hpp"
#include "tools/bench_endpoints.hpp"
#include "tools/bench_options.hpp"

namespace bench {

/// A drop counter by name, for reports.
struct NamedCount {
  std::string name;
  uint64_t value = 0;
};

/// How a run ended up, after the drain.
struct Verdict {
  sim::Accounting accounting;
  /// Accounting::check(): empty when every frame the device took is in one place.
  std::string device_check;
  /// Everything that does not add up, one phrase each; empty: the run is accounted for.
  std::vector<std::string> problems;
  /// The non-zero drop counters: the device's (accounting names), then the wire's ("wire_...").
  std::vector<NamedCount> drops;
  uint64_t drop_total = 0;
  /// The device's ethdev wire, when there is one.
  std::optional<harness::EthdevWireStats> wire;
  bool ok() const { return problems.empty(); }
};

/// Not thread-safe; not movable (senders and receivers point into it). The EAL must outlive it,
/// and any engine thread on device() must be stopped before it is destroyed.
class Rig {
 public:
  /// Builds everything `o` asks for: on the simulated host, or with o.on_device() on real
  /// functions (harness::HwHost; vf-to-vf only). `hw` supplies what the real-device host
  /// takes besides what `o` says (root, OS calls, clock: tests' fakes); the bench passes the
  /// defaults. Errors: one line naming the step.
  static std::expected<std::unique_ptr<Rig>, std::string> create(
      const Options& o, harness::HwHostOptions hw = {});
  ~Rig();
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  /// The simulated device (not on_device()).
  sim::Device82599& device() { return host_->device(); }
  /// True on real functions: no simulated engine, no device accounting.
  bool on_device() const { return hw_ != nullptr; }
  /// One pass of what moves frames besides the loop: the simulated engine (inline), or on a
  /// real device, now and then, the PF's mailbox and the VF watchdogs (the NIC moves frames).
  size_t engine_pass();
  /// The real-device host (on_device()), for its token and mode.
  harness::HwHost* hw_host() { return hw_.get(); }
  std::vector<Sender>& senders() { return senders_; }
  std::vector<Receiver>& receivers() { return receivers_; }
  const std::vector<Receiver>& receivers() const { return receivers_; }

  /// What sends and what receives, for reports ("VF", "PF host queues", "wire peer", ...).
  const std::string& sender_kind() const { return sender_kind_; }
  const std::string& receiver_kind() const { return receiver_kind_; }

  /// With the engine elsewhere: the device has taken every frame sent and the receivers have
  /// every frame it passed on. Any thread; reads the device's and the wire's counters.
  bool settled(const Totals& t) const;
  /// Without a receiver (an ethdev wire other than the peer) the frames its driver took count
  /// as received: sets t.received and t.rx_bytes from the wire's counters.
  void count_external(Totals& t) const;
  /// The verdict after the run. `packets`: frames the run was asked to send (0: a duration).
  Verdict judge(const Totals& t, uint64_t packets) const;

 private:
  explicit Rig(const Options& o) : o_(o) {}
  std::expected<void, std::string> build(harness::HwHostOptions hw);
  harness::VfPort& port(unsigned vf);
  hal::MacAddr mac(unsigned vf) const;
  std::expected<void, std::string> setup_vf_to_vf();
  std::expected<void, std::string> setup_vf_to_wire();
  std::expected<void, std::string> setup_wire_to_vf();
  std::expected<void, std::string> setup_pf_to_vf(const hal::MacAddr& pf_mac);
  /// Every VF's MAC when there are several (bursts take turns among them), else none.
  std::vector<hal::MacAddr> vf_rotation() const;
  std::expected<void, std::string> open_wire();
  std::expected<void, std::string> open_pf_queues();
  std::expected<void, std::string> add_vf_sender(unsigned vf, const hal::MacAddr& dst,
                                                 unsigned index);
  void add_vf_receiver(unsigned vf);
  /// Frames received through dp queues are the device's deliveries; through the peer, the
  /// wire's frames.
  bool wire_receives() const { return o_.scenario == Scenario::kVfToWire; }

  Options o_;
  // Declared first, freed last: its mbufs travel through the wire's rings, and a pool must
  // outlive both ends of the built-in wire (docs/wire.md).
  harness::MempoolPtr gen_pool_;
  std::unique_ptr<harness::DatapathHost> host_;
  std::unique_ptr<harness::HwHost> hw_;  // instead of host_ on a real device
  uint64_t passes_ = 0;
  harness::OpenedWire wire_;
  // The PF's side (pf-to-vf): its pool mapped into the PF's DMA domain, then its queues.
  harness::MempoolPtr pf_pool_;
  dp::DmaMapping pf_mapping_;
  std::optional<pf::HostQueues> pf_queues_;
  std::vector<Sender> senders_;
  std::vector<Receiver> receivers_;
  std::string sender_kind_, receiver_kind_;
};

/// The address frames to the wire go to: nobody's on the host, so the switch sends them out of
/// the port (unknown unicast from a pool, docs/switch.md); the wire peer's own in wire-to-vf.
inline const hal::MacAddr kWireMac({0x02, 0x00, 0x00, 0x00, 0x77, 0x01});

/// MiB of DPDK heap a scenario needs (every pool, with margin): what dp::EalOptions takes.
unsigned heap_mb(const Options& o);

}  // namespace bench
