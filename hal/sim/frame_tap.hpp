#pragma once
// A frame tap on the simulated 82599: sees frames where a capture would (a port mirror, or a
// bus analyser on the wire), for `sriovctl capture`. Not a driver interface: drivers never see
// it; the daemon that owns the device installs it.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

namespace sim {

/// Where the engine shows a frame. Within a pass the calls come in the engine's order: a
/// frame at kPoolTx (or kWireRx), then its wire copy at kWireTx, then its copies at kPoolRx in
/// pool order.
enum class TapPoint : uint8_t {
  kPoolTx,  ///< a frame a pool's TX queue handed to the switch, as the function wrote it: before
            ///< the switch inserts a port VLAN or the DCMD.VLE tag, and whether or not the switch
            ///< then drops it. Chains the engine refuses (DMA fault, oversize) are not shown.
  kPoolRx,  ///< a copy written into a pool's RX ring, as the pool reads it (a hidden port tag or
            ///< a VME-stripped tag removed). Copies dropped for want of a queue, descriptors or
            ///< a mapping are not shown.
  kWireTx,  ///< a frame sent to the wire, exactly as the WirePort gets it (inserted tag
            ///< included); none while the link is down
  kWireRx,  ///< a frame taken from the wire, as it came (an oversize one too, before its drop)
};

struct TapFrame {
  TapPoint point;
  uint8_t pool = 0;                  ///< the pool, for kPoolTx and kPoolRx; 0 otherwise
  std::span<const std::byte> bytes;  ///< valid during the call only
};

/// Called by the engine, under the device lock, on the engine's thread. Must copy what it keeps
/// and must not call into the device.
using FrameTapFn = std::function<void(const TapFrame&)>;

}  // namespace sim
