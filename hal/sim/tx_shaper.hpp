#pragma once
// Per-queue TX rate limiting of the simulated 82599 as a pure component, in simulated time: the
// rate scheduler the PF programs through RTTDQSEL + RTTBCNRC (RS_ENA, the 10.14 fixed-point rate
// factor RF = link speed / target rate) and the compensation window in RTTBCNRM (spec 2 and 7).
// The device engine asks may_send() before taking a frame from a queue and charge()s the frame
// it took; time is a nanosecond timestamp the engine reads from its hal::Clock.
//
// Model: a virtual finish time per queue (GCRA). A frame of L charged bytes advances the queue's
// time by L * 8 * RF / link_bps; the queue may start a frame when its time is not in the future.
// Credit an idle queue can bank is bounded by a window (MMW_SIZE bytes at the queue's rate, or
// the engine's polling slack if larger), so an idle period buys at most one window of burst.
// Integer arithmetic only (picosecond remainders): deterministic, O(1) per frame, no allocation.
//
// Rules and every assumption (which bytes are charged, the MMW unit, RF below 1):
// docs/sim-model.md, "TX rate limiting".

#include <array>
#include <cstddef>
#include <cstdint>

#include "hal/ixgbe/regs_pf.hpp"

namespace sim {

class TxShaper {
 public:
  static constexpr unsigned kNumQueues = hal::ixgbe::pf::kNumQueues;
  static constexpr uint64_t kLink10G = 10'000'000'000;
  /// Bytes a frame costs on the wire beyond its L2 bytes: FCS (4), preamble and SFD (8), the
  /// minimum inter-frame gap (12). The rate factor is relative to the link's bit rate, which
  /// carries these for every frame, so RF = 1 is exactly a full link.
  static constexpr uint32_t kWireOverhead = 24;
  /// L2 bytes (without FCS) below which the MAC pads a frame: 64 on the wire with the FCS.
  static constexpr uint32_t kMinFrame = 60;
  /// Unit of RTTBCNRM.MMW_SIZE in bytes (an assumption, see docs).
  static constexpr uint32_t kMmwUnit = 1024;

  /// The bytes a frame of `l2_len` bytes (as gathered from its descriptors: no FCS, no tag the
  /// MAC inserts) is charged: padded to kMinFrame, plus kWireOverhead.
  static constexpr uint64_t charged_bytes(size_t l2_len) {
    return (l2_len < kMinFrame ? kMinFrame : l2_len) + kWireOverhead;
  }

  /// Every queue unlimited. `link_bps`: the link speed RF is relative to (LINKS.SPEED; 0 is
  /// taken as 10 Gb/s, anything below 10 Mb/s as 10 Mb/s). `min_window_ns`: the engine's polling
  /// slack, the least credit a limited queue keeps, so a poll that comes late does not lose rate
  /// (0: the MMW window alone).
  explicit TxShaper(uint64_t link_bps = kLink10G, uint64_t min_window_ns = 0);

  /// An RTTBCNRC write for `queue` (the queue RTTDQSEL selects; taken modulo kNumQueues) at
  /// `now_ns`. RS_ENA clear: unlimited. Set: limited at link / RF, RF below 1.0 taken as 1.0. A
  /// queue that becomes limited starts with no banked credit; a rate change on a limited queue
  /// keeps the time the queue already owes (the next frame waits it out, then the new rate
  /// applies).
  void write_rttbcnrc(unsigned queue, uint32_t value, uint64_t now_ns);
  /// An RTTBCNRM write: MMW_SIZE sets every queue's window.
  void write_rttbcnrm(uint32_t value);
  /// The link speed changed (RF is a ratio, so every limited queue's rate moves with it).
  void set_link_speed(uint64_t link_bps);
  /// The engine's polling slack changed (see the constructor).
  void set_min_window(uint64_t min_window_ns);
  /// Device reset: RTTBCNRC and RTTBCNRM back to 0, every queue unlimited.
  void reset();

  /// Whether `queue` is rate limited (RS_ENA set).
  bool limited(unsigned queue) const { return q_[queue % kNumQueues].rf != 0; }
  /// Whether `queue` may start a frame at `now_ns`. Always true when unlimited.
  bool may_send(unsigned queue, uint64_t now_ns) const {
    const Queue& s = q_[queue % kNumQueues];
    return s.rf == 0 || s.tat_ns <= now_ns;
  }
  /// Accounts a frame of `l2_len` bytes that `queue` started at `now_ns` (after may_send() said
  /// yes). No-op when unlimited.
  void charge(unsigned queue, uint64_t now_ns, size_t l2_len);
  /// When a limited queue may start its next frame (what an engine may sleep until; it may be
  /// in the past); 0 when unlimited.
  uint64_t next_send_ns(unsigned queue) const {
    const Queue& s = q_[queue % kNumQueues];
    return s.rf == 0 ? 0 : s.tat_ns;
  }

  /// The programmed rate in bits per second, link / RF; 0 when unlimited.
  uint64_t rate_bps(unsigned queue) const;
  /// The queue's credit window in ns (how much of an idle period it may bank).
  uint64_t window_ns(unsigned queue) const { return q_[queue % kNumQueues].window_ns; }
  uint64_t link_bps() const { return link_bps_; }

 private:
  struct Queue {
    uint32_t rf = 0;      ///< rate factor, 10.14 fixed point; 0 = unlimited
    uint64_t tat_ns = 0;  ///< the queue's virtual time: when its next frame may start
    uint32_t tat_ps = 0;  ///< ... plus this many picoseconds (< 1000)
    uint64_t window_ns = 0;
  };
  /// The largest frame charged in full (frames are at most 16 KiB; the bound keeps
  /// bytes * RF * ps-per-byte inside 64 bits down to the slowest link accepted).
  static constexpr uint64_t kMaxChargedBytes = uint64_t{1} << 18;
  /// The slowest link accepted (the 82599's slowest is 100 Mb/s).
  static constexpr uint64_t kMinLinkBps = 10'000'000;

  /// Picoseconds `bytes` charged bytes take at the queue's rate.
  uint64_t cost_ps(const Queue& s, uint64_t bytes) const {
    return (bytes * s.rf * link_ps_per_byte_) >> hal::ixgbe::pf::rttbcnrc::kRfIntShift;
  }
  void update_window(Queue& s) const;

  std::array<Queue, kNumQueues> q_{};
  uint64_t link_bps_ = kLink10G;
  uint64_t link_ps_per_byte_ = 800;  ///< one byte at the link speed, in ps (800 at 10 Gb/s)
  uint32_t mmw_size_ = 0;
  uint64_t min_window_ns_ = 0;
};

}  // namespace sim
