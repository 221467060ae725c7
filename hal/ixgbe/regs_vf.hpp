#pragma once
// Intel 82599 VF BAR0 registers (spec section 1), datasheet names. The only place VF offsets live.

#include <cstdint>

#include "hal/register_io.hpp"

namespace hal::ixgbe::vf {

inline constexpr uint32_t kBarSize = 16 * 1024;  // 16 KiB per VF BAR0 (spec 6, inferred)
inline constexpr unsigned kMaxQueues = 8;        // VF-relative queue register slots
inline constexpr unsigned kNumVectors = 3;       // MSI-X vectors per VF (spec "could not confirm")
inline constexpr unsigned kMbxWords = 16;

inline constexpr Reg32 VFCTRL{0x00000};
inline constexpr Reg32 VFSTATUS{0x00008};
inline constexpr Reg32 VFLINKS{0x00010};
inline constexpr Reg32 VFFRTIMER{0x00048};
inline constexpr Reg32 VFEICR{0x00100};
inline constexpr Reg32 VFEICS{0x00104};
inline constexpr Reg32 VFEIMS{0x00108};
inline constexpr Reg32 VFEIMC{0x0010C};
inline constexpr Reg32 VFEIAC{0x00110};
inline constexpr Reg32 VFEIAM{0x00114};
constexpr Reg32 VFIVAR(unsigned n) { return {0x00120 + 4 * n}; }
inline constexpr Reg32 VFIVAR_MISC{0x00140};
constexpr Reg32 VFMBMEM(unsigned word) { return {0x00200 + 4 * word}; }
inline constexpr Reg32 VFPSRTYPE{0x00300};
inline constexpr Reg32 VFMAILBOX{0x002FC};
constexpr Reg32 VFEITR(unsigned n) { return {0x00820 + 4 * n}; }

// Per-queue registers, n = VF-relative queue.
constexpr Reg32 VFRDBAL(unsigned n) { return {0x01000 + 0x40 * n}; }
constexpr Reg32 VFRDBAH(unsigned n) { return {0x01004 + 0x40 * n}; }
constexpr Reg32 VFRDLEN(unsigned n) { return {0x01008 + 0x40 * n}; }
constexpr Reg32 VFDCA_RXCTRL(unsigned n) { return {0x0100C + 0x40 * n}; }
constexpr Reg32 VFRDH(unsigned n) { return {0x01010 + 0x40 * n}; }
constexpr Reg32 VFSRRCTL(unsigned n) { return {0x01014 + 0x40 * n}; }
constexpr Reg32 VFRDT(unsigned n) { return {0x01018 + 0x40 * n}; }
constexpr Reg32 VFRXDCTL(unsigned n) { return {0x01028 + 0x40 * n}; }
constexpr Reg32 VFRSCCTL(unsigned n) { return {0x0102C + 0x40 * n}; }
constexpr Reg32 VFTDBAL(unsigned n) { return {0x02000 + 0x40 * n}; }
constexpr Reg32 VFTDBAH(unsigned n) { return {0x02004 + 0x40 * n}; }
constexpr Reg32 VFTDLEN(unsigned n) { return {0x02008 + 0x40 * n}; }
constexpr Reg32 VFDCA_TXCTRL(unsigned n) { return {0x0200C + 0x40 * n}; }
constexpr Reg32 VFTDH(unsigned n) { return {0x02010 + 0x40 * n}; }
constexpr Reg32 VFTDT(unsigned n) { return {0x02018 + 0x40 * n}; }
constexpr Reg32 VFTXDCTL(unsigned n) { return {0x02028 + 0x40 * n}; }
constexpr Reg32 VFTDWBAL(unsigned n) { return {0x02038 + 0x40 * n}; }
constexpr Reg32 VFTDWBAH(unsigned n) { return {0x0203C + 0x40 * n}; }
static_assert(VFRDT(1).offset - VFRDT(0).offset == 0x40, "queue register stride is 0x40");

// Statistics: free-running, wrapping, not clear-on-read (spec 1c).
inline constexpr Reg32 VFGPRC{0x0101C};
inline constexpr Reg32 VFGORC_LSB{0x01020};
inline constexpr Reg32 VFGORC_MSB{0x01024};
inline constexpr Reg32 VFMPRC{0x01034};
inline constexpr Reg32 VFGPTC{0x0201C};
inline constexpr Reg32 VFGOTC_LSB{0x02020};
inline constexpr Reg32 VFGOTC_MSB{0x02024};

namespace vfctrl {
inline constexpr uint32_t kRst = 1u << 26;
}
namespace vflinks {
inline constexpr uint32_t kUp = 1u << 30;
inline constexpr uint32_t kSpeedMask = 0x30000000u;
inline constexpr uint32_t kSpeed10G = 0x30000000u;
inline constexpr uint32_t kSpeed1G = 0x20000000u;
inline constexpr uint32_t kSpeed100M = 0x10000000u;
}  // namespace vflinks
namespace vfeicr {
inline constexpr uint32_t kValidMask = 0x7;  // one bit per MSI-X vector
}
namespace vfivar {
inline constexpr uint32_t kValid = 0x80;      // per byte
inline constexpr uint32_t kVectorMask = 0x7;  // per byte, low bits
}  // namespace vfivar

/// VFMAILBOX bits (spec 3a).
namespace vfmailbox {
inline constexpr uint32_t kReq = 1u << 0;
inline constexpr uint32_t kAck = 1u << 1;
inline constexpr uint32_t kVfu = 1u << 2;
inline constexpr uint32_t kPfu = 1u << 3;
inline constexpr uint32_t kPfsts = 1u << 4;
inline constexpr uint32_t kPfack = 1u << 5;
inline constexpr uint32_t kRsti = 1u << 6;
inline constexpr uint32_t kRstd = 1u << 7;
/// The bits that clear when read.
inline constexpr uint32_t kReadToClear = kPfsts | kPfack | kRstd;
}  // namespace vfmailbox

}  // namespace hal::ixgbe::vf
