#pragma once
// A built-in guest's data path: its VF's queue pair (harness::VfPort on the guest's own
// driver), a responder answering ARP and ping for the guest's IPv4 address, and a gratuitous
// ARP once per `announce_every` while the guest is up, so a capture always has real frames
// to show. Control-plane pacing only: one rx_burst and at most one announcement per poll().

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "hal/clock.hpp"
#include "harness/apps/inet.hpp"
#include "harness/apps/responder.hpp"
#include "harness/datapath_host.hpp"
#include "harness/guest.hpp"

namespace simd {

struct GuestPathOptions {
  harness::apps::inet::Ipv4Addr ip;
  /// Descriptors per ring: small, since the guest answers and announces and nothing more.
  uint16_t ring_size = 64;
  /// Gratuitous ARP period while the guest is up; 0 announces on every poll (tests).
  hal::Nanos announce_every = std::chrono::seconds(1);
};

/// What a poll() did.
struct GuestPathTurn {
  size_t frames = 0;                 ///< received, answered or announced
  std::optional<std::string> error;  ///< a queue setup that failed this turn (retried later)
};

/// Not thread-safe: the daemon's thread owns it, as it owns the guest. Needs a running EAL.
class GuestPath {
 public:
  /// Nothing is built yet: the first poll() that finds the guest up sets the queues up.
  GuestPath(harness::Guest& guest, GuestPathOptions opts);
  ~GuestPath();
  GuestPath(const GuestPath&) = delete;
  GuestPath& operator=(const GuestPath&) = delete;

  /// Sets the queues up when the guest's driver is up and has none, or again after a VF
  /// reset (VfDriver::counters().resets moved: the reset stopped them); then one responder
  /// burst and, when due, the announcement. `now` is the host's clock. A failed setup is
  /// retried after announce_every (at least 100 ms), never on every turn.
  GuestPathTurn poll(hal::Nanos now);

  /// The responder's counters, zeros before the first setup (they restart with each setup).
  harness::apps::ResponderCounters counters() const;
  /// Gratuitous ARPs sent since the path was made.
  uint64_t announced() const { return announced_; }
  const harness::apps::inet::Ipv4Addr& ip() const { return opts_.ip; }
  /// The port while queues are set up, else nullptr (tests fault its DMA).
  harness::VfPort* port() { return port_.get(); }

 private:
  std::optional<std::string> ensure_queues(hal::Nanos now);
  size_t announce();

  harness::Guest& guest_;
  GuestPathOptions opts_;
  std::unique_ptr<harness::VfPort> port_;
  std::optional<harness::apps::Responder> responder_;
  uint64_t resets_seen_ = 0;
  hal::MacAddr mac_;  ///< the MAC the responder answers with
  hal::Nanos retry_at_{};
  hal::Nanos next_announce_{};
  uint64_t announced_ = 0;
};

/// The gratuitous ARP `mac` announces `ip` with: an ARP request for its own address from and
/// to itself, broadcast, padded to the 60-byte minimum.
std::vector<uint8_t> gratuitous_arp(const hal::MacAddr& mac, harness::apps::inet::Ipv4Addr ip);

}  // namespace simd
