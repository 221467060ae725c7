#pragma once
// The soak's wire: counts what the device sends and drops it, sends nothing back. The default
// MemoryWire keeps every frame, which a long soak cannot afford.

#include <cstdint>
#include <span>
#include <vector>

#include "hal/sim/wire_port.hpp"

namespace harness::soak {

/// Used from the thread that polls the device (the soak's only thread).
class CountingWire final : public sim::WirePort {
 public:
  void send(std::span<const uint8_t>) override { ++sent_; }
  bool receive(std::vector<uint8_t>&) override { return false; }
  /// Frames the device sent onto the wire: must equal Accounting::to_wire.
  uint64_t sent() const { return sent_; }

 private:
  uint64_t sent_ = 0;
};

}  // namespace harness::soak
