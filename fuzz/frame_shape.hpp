#pragma once
// Ethernet frames fuzz_engine puts into TX buffers or onto the wire, described by one "shape"
// byte, so the fuzzer reaches the switch's interesting cases (another VF, broadcast, multicast,
// a spoofed source, a VLAN tag) without having to guess 12 bytes of MAC addresses.

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/engine_rig.hpp"

namespace fuzz {

/// Shape byte fields.
namespace shape {
inline constexpr uint8_t kDstMask = 0x03;    ///< 0 another VF, 1 broadcast, 2 multicast, 3 unknown
inline constexpr uint8_t kDstNext = 0x04;    ///< with dst 0: the VF after the next one
inline constexpr unsigned kSrcShift = 3;     ///< 0 own MAC, 1 another VF's, 2 unknown, 3 multicast
inline constexpr uint8_t kSrcMask = 0x18;
inline constexpr uint8_t kTagged = 0x20;     ///< an 802.1Q tag with TCI `vid`
inline constexpr uint8_t kOuterAd = 0x40;    ///< the tag's TPID is 802.1ad instead
inline constexpr uint8_t kIpv4 = 0x80;       ///< EtherType IPv4, else a local experimental one
}  // namespace shape

/// Writes a frame of VF `self`'s making into `out`: addresses and tag from `shape`, `len` bytes
/// in all (reduced to fit `out`, at least the header). Returns the length written.
size_t write_frame(const EngineRig& rig, unsigned self, uint8_t shape_byte, uint16_t vid,
                   uint16_t len, std::span<uint8_t> out);

}  // namespace fuzz
