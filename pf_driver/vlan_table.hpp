#pragma once
// VLAN filtering for pools: the 64 VLVF entries with their pool bitmaps (VLVFB) and the global
// 4096-bit VFTA, kept in software (datasheet 8.2.3.7.x; spec 2, 7 SET_VLAN and port VLAN).
// One VLVF entry per VID; a VID's VFTA bit is set while any pool uses it.

#include <array>
#include <cstdint>
#include <expected>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/register_io.hpp"
#include "pf_driver/errors.hpp"

namespace pf {

/// Thread safety: none; owned and serialised by the PF driver.
class VlanTable {
 public:
  static constexpr unsigned kEntries = hal::ixgbe::pf::kNumVlvf;
  static constexpr uint16_t kMaxVid = 4095;

  explicit VlanTable(hal::RegisterIo& bar0) : bar0_(bar0) {}

  /// Forgets everything and zeroes VLVF, VLVFB and VFTA (after a device reset, VT off).
  void clear_all();
  /// Writes every register again from software (after a device reset).
  void replay();
  /// Adds `pool` to `vid`'s entry, taking a free entry if `vid` has none. Errors:
  /// kInvalidArgument (vid > 4095 or pool > 63), kNoSpace (all 64 entries in use).
  std::expected<void, ErrorCode> add(uint16_t vid, unsigned pool);
  /// Removes `pool` from `vid`; frees the entry (and the VFTA bit) when no pool is left.
  void remove(uint16_t vid, unsigned pool);
  /// Removes `pool` from every entry.
  void remove_pool(unsigned pool);
  bool has(uint16_t vid, unsigned pool) const;
  /// Number of VIDs `pool` is a member of.
  unsigned count(unsigned pool) const;
  /// Shadow of VFTA register `i` (for tests).
  uint32_t vfta(unsigned i) const { return vfta_[i]; }

 private:
  struct Entry {
    uint16_t vid = 0;
    uint64_t pools = 0;  // empty = entry free
  };
  int find(uint16_t vid) const;
  void program(unsigned i);
  void program_vfta(uint16_t vid);

  hal::RegisterIo& bar0_;
  std::array<Entry, kEntries> e_{};
  std::array<uint32_t, hal::ixgbe::pf::kNumVfta> vfta_{};
};

}  // namespace pf
