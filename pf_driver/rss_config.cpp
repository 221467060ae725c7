#include "pf_driver/rss_config.hpp"

#include <algorithm>

#include "hal/ixgbe/regs_pf.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;

namespace {
// The verification key from Microsoft's "Verifying the RSS Hash Calculation".
constexpr std::array<uint8_t, mbx::kRssKeyBytes> kDefaultKey = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};
static_assert(reg::kNumRssrk * 4 == mbx::kRssKeyBytes);
static_assert(reg::kNumReta * 4 == mbx::kRetaEntries);
}  // namespace

RssConfig RssConfig::defaults(unsigned queues) {
  RssConfig c;
  c.key = kDefaultKey;
  const unsigned q = std::max(queues, 1u);
  for (unsigned i = 0; i < mbx::kRetaEntries; ++i) c.reta[i] = static_cast<uint8_t>(i % q);
  return c;
}

void RssConfig::program(hal::RegisterIo& bar0) const {
  // Both tables are byte arrays laid little-endian into their registers: byte 4i is the low
  // byte of register i, as the hardware consumes the key and the entries.
  for (unsigned i = 0; i < reg::kNumRssrk; ++i) {
    bar0.write(reg::RSSRK(i), uint32_t{key[4 * i]} | uint32_t{key[4 * i + 1]} << 8 |
                                  uint32_t{key[4 * i + 2]} << 16 | uint32_t{key[4 * i + 3]} << 24);
  }
  for (unsigned i = 0; i < reg::kNumReta; ++i) {
    bar0.write(reg::RETA(i), uint32_t{reta[4 * i]} | uint32_t{reta[4 * i + 1]} << 8 |
                                 uint32_t{reta[4 * i + 2]} << 16 | uint32_t{reta[4 * i + 3]} << 24);
  }
}

}  // namespace pf
