#pragma once
// The 82599's 128 receive-address (RAR) entries and their pool maps (MPSAR), kept in software
// so the PF can allocate, free and replay them (datasheet 8.2.3.7.8-10; spec 2, 7).
//
// Layout: entry 0 is the PF's MAC; entry 127 - vf is VF `vf`'s primary MAC (as the DPDK PF
// does); the entries between them are spare, handed out to VF SET_MACVLAN requests.

#include <array>
#include <cstdint>
#include <expected>
#include <optional>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/register_io.hpp"
#include "hal/types.hpp"
#include "pf_driver/errors.hpp"

namespace pf {

/// Thread safety: none; owned and serialised by the PF driver.
class RarTable {
 public:
  static constexpr unsigned kSize = hal::ixgbe::pf::kNumRar;
  static constexpr unsigned kPfEntry = 0;

  explicit RarTable(hal::RegisterIo& bar0) : bar0_(bar0) {}

  /// The entry that holds `vf`'s primary MAC.
  static constexpr unsigned primary_entry(hal::VfId vf) { return kSize - 1 - vf.value(); }
  /// Spare entries are 1 .. last_spare(num_vfs): below the lowest VF primary entry.
  static constexpr unsigned last_spare(unsigned num_vfs) { return kSize - 1 - num_vfs; }

  /// Forgets every entry and writes them all invalid (after a device reset). Not hot.
  void clear_all();
  /// Writes every valid entry again from software (after a device reset).
  void replay();
  /// Entry 0 = the PF's MAC, mapped to `pool`.
  void set_pf(const hal::MacAddr& mac, unsigned pool);
  /// `vf`'s primary entry = `mac` in `vf`'s pool; a zero MAC clears the entry.
  void set_primary(hal::VfId vf, const hal::MacAddr& mac);
  /// Takes a free spare entry for `vf`. kNoSpace when none is left below the VF entries.
  std::expected<unsigned, ErrorCode> add_macvlan(hal::VfId vf, const hal::MacAddr& mac,
                                                 unsigned num_vfs);
  /// Frees every spare entry `vf` holds.
  void clear_macvlans(hal::VfId vf);
  unsigned macvlan_count(hal::VfId vf) const;
  /// True when an entry of another function (the PF or another VF) holds `mac`: a VF may not
  /// claim an address someone else already receives on.
  bool owned_by_other(const hal::MacAddr& mac, hal::VfId vf) const {
    return other_owner(mac, vf).has_value();
  }
  /// The function other than `vf` whose valid entry holds `mac`: a VF index, -1 for the PF;
  /// nullopt when none.
  std::optional<int> other_owner(const hal::MacAddr& mac, hal::VfId vf) const;

  /// Shadow of entry `i` (for tests and display).
  struct Entry {
    hal::MacAddr mac;
    unsigned pool = 0;
    bool valid = false;
    int owner = -1;        ///< VF index, or -1 for the PF
    bool macvlan = false;  ///< a spare entry given to SET_MACVLAN
  };
  const Entry& entry(unsigned i) const { return e_[i]; }

 private:
  void program(unsigned i);

  hal::RegisterIo& bar0_;
  std::array<Entry, kSize> e_{};
};

}  // namespace pf
