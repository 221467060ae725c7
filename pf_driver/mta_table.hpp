#pragma once
// The shared 4096-bit multicast table (MTA, 128 registers). VFs only add hashes through
// SET_MULTICAST; the PF keeps each VF's list and rebuilds the table from all of them, so a VF
// that drops a group or resets stops receiving it (spec 7: "replayed on MTA rebuild").

#include <array>
#include <cstdint>
#include <span>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/register_io.hpp"
#include "hal/types.hpp"
#include "mailbox/message.hpp"

namespace pf {

/// Thread safety: none; owned and serialised by the PF driver.
class MtaTable {
 public:
  static constexpr unsigned kMaxVfs = 64;

  explicit MtaTable(hal::RegisterIo& bar0) : bar0_(bar0) {}

  /// Forgets every list and zeroes the table (after a device reset).
  void clear_all();
  /// Replaces `vf`'s list (at most 30 hashes; more are ignored) and rebuilds.
  void set_vf(hal::VfId vf, std::span<const uint16_t> hashes);
  /// Drops `vf`'s list and rebuilds.
  void clear_vf(hal::VfId vf) { set_vf(vf, {}); }
  unsigned count(hal::VfId vf) const { return n_[vf.value()]; }
  /// Writes all 128 registers from the lists (after a device reset).
  void replay();
  /// Shadow of MTA register `i`.
  uint32_t word(unsigned i) const { return shadow_[i]; }

 private:
  /// Recomputes the table and writes only the registers that changed.
  void rebuild(bool force);

  hal::RegisterIo& bar0_;
  std::array<std::array<uint16_t, mbx::kMaxMulticast>, kMaxVfs> h_{};
  std::array<uint8_t, kMaxVfs> n_{};
  std::array<uint32_t, hal::ixgbe::pf::kNumMta> shadow_{};
};

}  // namespace pf
