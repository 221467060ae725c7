#pragma once
// A cable between two simulated 82599s: two WirePorts joined back to back, so what device A
// transmits arrives at device B's wire and the other way round. Each direction is a bounded
// single-producer single-consumer ring of preallocated frame slots: no lock and no allocation
// per frame, so each device can be polled from its own thread. Link behaviour and counters:
// docs/wire.md.

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <vector>

#include "hal/sim/wire_port.hpp"
#include "hal/types.hpp"

namespace sim {

/// The counters of one direction of a cable, from the sending end's send() to the receiving
/// end's receive(). Every frame offered to send() ends in exactly one of sent, dropped_full or
/// dropped_oversize; every sent frame is either received or still in flight.
struct CableDirection {
  uint64_t sent = 0;              ///< frames put into the ring
  uint64_t dropped_full = 0;      ///< frames that found the ring full (the receiver fell behind)
  uint64_t dropped_oversize = 0;  ///< frames longer than kMaxWireFrame (no slot holds them)
  uint64_t received = 0;          ///< frames the receiving end has taken

  uint64_t offered() const { return sent + dropped_full + dropped_oversize; }
  uint64_t in_flight() const { return sent - received; }
};

struct CableCore;  // both rings, shared by the two ends (cable.cpp)

/// One end of a cable. Install it with Device82599::set_wire().
///
/// Thread safety: send() may run on one thread and receive() on another at the same time,
/// and each end's calls may run concurrently with the other end's: what a cable needs is one
/// sender and one receiver per direction at a time, which the device lock of each device
/// gives (calls may move between threads as long as something orders them, as that lock
/// does). The counters may be read from any thread.
class CableEnd final : public WirePort {
 public:
  struct Token;  // only make_cable() builds ends

  CableEnd(Token, std::shared_ptr<CableCore> core, unsigned tx_dir);
  ~CableEnd() override;
  CableEnd(const CableEnd&) = delete;
  CableEnd& operator=(const CableEnd&) = delete;

  /// Copies `frame` into the ring towards the other end. Never blocks: a full ring drops the
  /// frame (counted in tx_stats().dropped_full), as does a frame over kMaxWireFrame.
  void send(std::span<const uint8_t> frame) override;
  /// The oldest frame the other end sent, copied into `frame`; false when none is waiting.
  /// `frame` keeps its capacity, so a buffer reserved for kMaxWireFrame never reallocates.
  bool receive(std::vector<uint8_t>& frame) override;
  /// The other end is a simulated 82599 whose MAC pads short frames (HLREG0.TXPADEN, set from
  /// reset): a frame under 60 bytes means its software cleared TXPADEN, and it is a runt here.
  bool carries_runts() const override { return true; }
  /// This end's device lit or darkened its laser: the other end's rx_signal() follows.
  void set_tx_signal(bool on) override;
  /// Whether the other end's device has its laser on (true until it says otherwise).
  bool rx_signal() const override;

  /// The direction this end sends into (this end -> the other).
  CableDirection tx_stats() const;
  /// The direction this end receives from (the other end -> this one).
  CableDirection rx_stats() const;
  /// Frames each direction holds at most.
  size_t capacity() const;

 private:
  std::shared_ptr<CableCore> core_;
  unsigned tx_dir_;  ///< 0: a -> b, 1: b -> a
};

/// The two ends of one cable.
struct Cable {
  std::shared_ptr<CableEnd> a;
  std::shared_ptr<CableEnd> b;
};

/// Largest capacity make_cable() accepts: 4096 slots of kMaxWireFrame bytes is 64 MiB per
/// direction of address space (pages are touched only as frames use them).
inline constexpr size_t kMaxCableCapacity = 4096;

/// A cable whose directions each hold up to `capacity` frames in flight. The slots are
/// allocated here, once. The two ends share the rings: either may outlive the other (frames
/// sent to an end nobody polls fill its ring, then count as dropped_full).
/// Errors: kInvalidArgument unless capacity is a power of two in 1..kMaxCableCapacity.
std::expected<Cable, hal::Error> make_cable(size_t capacity = 256);

}  // namespace sim
