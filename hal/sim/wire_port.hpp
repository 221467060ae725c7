#pragma once
// The simulated 82599's network port: what the device engine transmits onto the wire and where
// frames arriving from the wire come from. The default is MemoryWire, a built-in peer that needs
// no setup; a cable to another simulated device is hal/sim/cable.hpp; DPDK ethdevs (net_ring,
// net_tap, net_pcap, net_memif) plug in above hal/ (harness/wire/), since hal/ never includes
// DPDK. docs/wire.md describes them all.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

namespace sim {

/// The longest frame a port must carry: the engine's 16 KiB limit (EngineState::kMaxFrame) plus
/// the 802.1Q tag its switch may insert on the way out.
inline constexpr size_t kMaxWireFrame = 16 * 1024 + 4;

/// One Ethernet port. Frames are whole L2 frames without FCS, destination address first.
///
/// Thread safety: the engine calls send() and receive() with the device lock held, from
/// whichever thread runs poll_once(). An implementation must not call back into the device;
/// one shared with another thread (a world injecting frames) synchronises itself.
class WirePort {
 public:
  virtual ~WirePort() = default;
  /// The device transmits `frame` onto the wire. Must not block; the bytes are only valid
  /// during the call.
  virtual void send(std::span<const uint8_t> frame) = 0;
  /// The next frame arriving from the wire, copied into `frame` (resized to its length);
  /// false when none is waiting. Called at most a bounded number of times per engine pass.
  virtual bool receive(std::vector<uint8_t>& frame) = 0;
  /// Whether the frame the last receive() returned arrived with a bad FCS, as the PHY reports
  /// a frame's status with the frame. The engine asks right after receive(), in the same pass,
  /// and its MAC then discards the frame and counts it (hal/sim/mac_rx.hpp). A port that never
  /// corrupts frames keeps the default.
  virtual bool last_fcs_bad() const { return false; }
  /// Whether a short frame from this port is a runt the MAC must discard (RUC). A link
  /// partner's MAC pads every frame to the 64-byte minimum, so a short frame from a port that
  /// models one (a fault-injecting peer, a cable to another simulated 82599, whose TXPADEN is
  /// set from reset) is a runt. The default is a port fed by software that does not pad (a
  /// TAP, a ring), whose short frames the device takes as the sender's MAC would have padded.
  virtual bool carries_runts() const { return false; }
  /// End of an engine pass: a port that batches send() hands its batch on now. Called once
  /// per poll_once(), under the device lock, after the pass's last send() and receive().
  virtual void flush() {}
  /// The device's transmitter (the SFP+ laser, ESDP.SDP3) went on or off. A port that joins two
  /// devices passes it on, so the far end loses its link while this end is dark. Called under
  /// the device lock when it changes and when the port is installed.
  virtual void set_tx_signal(bool /*on*/) {}
  /// Whether a signal arrives from the far end (its transmitter is on): the device's link needs
  /// one. Read under the device lock at every engine pass and LINKS read. The default is a peer
  /// that always transmits (its link is the device's set_link()).
  virtual bool rx_signal() const { return true; }
};

/// The built-in peer: records every frame the device sends, and hands the device the frames a
/// test injected. With echo on, every frame sent is also queued to come back (a looped cable).
/// Not thread-safe by itself: use it from the thread that polls the device (unit tests).
class MemoryWire final : public WirePort {
 public:
  explicit MemoryWire(bool echo = false) : echo_(echo) {}

  void send(std::span<const uint8_t> frame) override {
    sent_.emplace_back(frame.begin(), frame.end());
    if (echo_) pending_.push_back(Pending{{frame.begin(), frame.end()}, false});
  }
  bool receive(std::vector<uint8_t>& frame) override {
    if (pending_.empty()) return false;
    frame.assign(pending_.front().bytes.begin(), pending_.front().bytes.end());
    last_fcs_bad_ = pending_.front().fcs_bad;
    pending_.pop_front();
    return true;
  }
  bool last_fcs_bad() const override { return last_fcs_bad_; }
  bool carries_runts() const override { return carries_runts_; }
  void set_tx_signal(bool on) override {
    if (tx_signal_ && !on) ++signal_losses_;
    tx_signal_ = on;
  }

  /// Whether the device's laser is on, as the peer at this end sees it.
  bool tx_signal() const { return tx_signal_; }
  /// How often the signal went away, however briefly: each one is a link drop for the peer
  /// (a CTRL.LRST resets the transmitter even when the laser comes straight back).
  unsigned signal_losses() const { return signal_losses_; }

  /// Queues `frame` to arrive at the device on its next polls; with `fcs_bad`, as a frame
  /// corrupted on the wire (its FCS does not match).
  void inject(std::span<const uint8_t> frame, bool fcs_bad = false) {
    pending_.push_back(Pending{{frame.begin(), frame.end()}, fcs_bad});
  }
  /// Every frame the device sent, oldest first.
  const std::vector<std::vector<uint8_t>>& sent() const { return sent_; }
  void clear_sent() { sent_.clear(); }
  /// Frames injected (or echoed) that the device has not taken yet.
  size_t pending() const { return pending_.size(); }
  void set_echo(bool on) { echo_ = on; }
  /// Whether short frames injected here are runts (WirePort::carries_runts); off by default.
  void set_carries_runts(bool on) { carries_runts_ = on; }

 private:
  struct Pending {
    std::vector<uint8_t> bytes;
    bool fcs_bad = false;
  };
  bool echo_;
  bool last_fcs_bad_ = false;
  bool carries_runts_ = false;
  bool tx_signal_ = true;
  unsigned signal_losses_ = 0;
  std::vector<std::vector<uint8_t>> sent_;
  std::deque<Pending> pending_;
};

}  // namespace sim
