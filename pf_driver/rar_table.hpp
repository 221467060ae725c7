#pragma once
// The 82599's 128 receive-address (RAR) entries and their pool maps (MPSAR), kept in software
// so the PF can allocate, free and replay them (datasheet 8.2.3.7.8-10; spec 2, 7).
//
// Layout: entry 0 is the PF's MAC; entry 127 - vf is VF `vf`'s primary MAC (as the DPDK PF
// does); the entries between them are spare. Spares 1..host_entries() are for host MACs only
// (PfOptions::host_mac_entries), the rest go to VF SET_MACVLAN requests and to host MACs
// beyond those, whoever comes first.
//
// Host MACs (PfDriver::add_host_mac; docs/switch.md "Host MACs"): unicast MACs the host's
// software switch receives on the default pool (the PF's pool). Each has a spare entry of its
// own, reserved for as long as it is a host MAC. While a VF entry (primary or macvlan) holds
// the MAC, that entry maps it to the default pool instead of the VF's pool and the spare stays
// invalid; while none does, the spare maps it to the default pool. Every change below keeps
// this true in an order that never leaves a host MAC unmatched: the spare goes valid before a
// VF entry holding the MAC goes, and goes invalid only after one holds it.
//
// MAC anti-spoof (PFVFSPOOF MAC bit) passes a VF's frame only when its source MAC is in an
// entry whose MPSAR holds the VF's pool (the simulated switch's rule T2 in docs/switch.md; the
// datasheet's MAC anti-spoofing reads the same pool maps: to be checked on an X520), so a VF
// entry moved to the default pool would make the VF's own MAC a spoof. The table therefore
// owns the MAC bits: set_mac_antispoof() records what the PF wants, and the bit stays clear
// ("lifted") while one of the VF's entries delivers to the host. A lift is written before the
// entry that needs it names the default pool, and taken back only after no entry of the VF
// does: the VF's frames from its MAC are never dropped as spoofed on the way. Every lift and
// every end of one is reported to the lift listener (the PF logs it: while lifted the VF may
// send from any source MAC).

#include <array>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <vector>

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

  /// `host_entries`: spares 1..host_entries are kept for host MACs (PfOptions::host_mac_entries;
  /// PfDriver::init() checked it).
  RarTable(hal::RegisterIo& bar0, unsigned host_entries)
      : bar0_(bar0), host_entries_(host_entries) {}

  /// The entry that holds `vf`'s primary MAC.
  static constexpr unsigned primary_entry(hal::VfId vf) { return kSize - 1 - vf.value(); }
  /// Spare entries are 1 .. last_spare(num_vfs): below the lowest VF primary entry.
  static constexpr unsigned last_spare(unsigned num_vfs) { return kSize - 1 - num_vfs; }
  /// Spares 1..host_entries() never go to a macvlan.
  unsigned host_entries() const { return host_entries_; }

  /// Called with a VF whose MAC anti-spoof check was just lifted (`lifted`) or just stopped
  /// being lifted (its bit is back to set_mac_antispoof()'s setting). Not called when
  /// clear_all() forgets the lifts of a device reset (the reset cleared PFVFSPOOF; the lifts
  /// come again, reported again, as the VFs' entries are programmed back). Must not call
  /// back into the table.
  using LiftListener = std::function<void(hal::VfId vf, bool lifted)>;
  void set_lift_listener(LiftListener fn) { on_lift_ = std::move(fn); }

  /// Forgets every entry and writes them all invalid (after a device reset), then gives each
  /// host MAC a spare entry again (1, 2, ... in the order they were added), valid, mapped to
  /// the default pool last set. The host MACs themselves are kept. Not hot.
  void clear_all();
  /// Writes every valid entry again from software (after a device reset).
  void replay();
  /// Entry 0 = the PF's MAC, mapped to `pool`: the default pool, where the host MACs go too
  /// (every entry that delivers one moves with it, in place: see move_pool()).
  void set_pf(const hal::MacAddr& mac, unsigned pool);
  /// `vf`'s primary entry = `mac` in `vf`'s pool (the default pool for a host MAC); a zero
  /// MAC clears the entry.
  void set_primary(hal::VfId vf, const hal::MacAddr& mac);
  /// Takes a free spare entry for `vf` above host_entries(). kNoSpace when none is left below
  /// the VF entries (entries reserved for host MACs are not free).
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
  /// nullopt when none. A host MAC's spare entry is nobody's: the host takes delivery, but
  /// the address stays free to pair with a VF (PfDriver::set_vf_mac).
  std::optional<int> other_owner(const hal::MacAddr& mac, hal::VfId vf) const;

  // ---- Host MACs (see the file comment).

  /// Makes `mac` a host MAC: reserves a free spare entry in 1 .. last_spare(num_vfs) for it
  /// (the lowest: the host_entries() block first), then moves every VF entry holding it to the
  /// default pool (the VF's MAC anti-spoof lifted first), or, with none, makes the spare
  /// valid. Returns the spare entry. A MAC that is a host MAC already returns its entry and
  /// changes nothing. kNoSpace: no free spare entry. The caller has checked `mac` (valid
  /// unicast, not the PF's) and who holds it (PfDriver::add_host_mac pairs admin MACs only).
  std::expected<unsigned, ErrorCode> add_host(const hal::MacAddr& mac, unsigned num_vfs);
  /// Ends `mac`'s delivery to the host: VF entries holding it move back to their VF's pool
  /// (their anti-spoof put back after), its spare entry is freed. False when not a host MAC.
  bool remove_host(const hal::MacAddr& mac);
  bool is_host(const hal::MacAddr& mac) const;
  /// The host MACs, in the order they were added.
  const std::vector<hal::MacAddr>& hosts() const { return hosts_; }
  /// The entry reserved for host MAC `mac` (valid or not); nullopt when not a host MAC.
  std::optional<unsigned> host_spare(const hal::MacAddr& mac) const;
  /// The VF whose valid entry (primary or macvlan) holds `mac`; nullopt when none. At most
  /// one VF does: no two functions may receive on one unicast MAC.
  std::optional<hal::VfId> holder(const hal::MacAddr& mac) const;
  /// holder(), for a host MAC only (the VF whose entry delivers it to the host); nullopt when
  /// `mac` is not a host MAC.
  std::optional<hal::VfId> host_holder(const hal::MacAddr& mac) const {
    return is_host(mac) ? holder(mac) : std::nullopt;
  }
  /// The host MAC an entry of `vf` delivers to the host (the first, by entry), if any.
  std::optional<hal::MacAddr> host_mac_of(hal::VfId vf) const;
  /// Whether the host MACs' spares all fit below the primary entries of `num_vfs` VFs.
  bool hosts_fit(unsigned num_vfs) const { return hosts_.size() <= last_spare(num_vfs); }
  /// Moves host spares above last_spare(num_vfs) to free entries below it (before VFs are
  /// enabled: their primary entries must be free). Precondition: hosts_fit(num_vfs) and no
  /// macvlan entries (none exist without VFs).
  void fit_hosts(unsigned num_vfs);

  /// Records whether `vf`'s MAC anti-spoof check is wanted and writes its PFVFSPOOF MAC bit:
  /// set only when wanted and no entry of the VF delivers to the host. The MAC bits are
  /// written here and by the lifts only, except that disable_vfs() zeroes PFVFSPOOF whole
  /// once every VF's entries are gone.
  void set_mac_antispoof(hal::VfId vf, bool on);
  /// Whether `vf`'s MAC anti-spoof is lifted because an entry of it delivers to the host.
  bool antispoof_lifted(hal::VfId vf) const { return (lifted_ >> vf.value()) & 1u; }

  /// Shadow of entry `i` (for tests and display).
  struct Entry {
    hal::MacAddr mac;
    unsigned pool = 0;
    bool valid = false;
    int owner = -1;        ///< VF index, or -1 for the PF (and for host MAC spares)
    bool macvlan = false;  ///< a spare entry given to SET_MACVLAN
    bool host = false;     ///< a spare reserved for host MAC `mac`: valid while no VF entry holds it
  };
  const Entry& entry(unsigned i) const { return e_[i]; }

 private:
  /// Writes entry `i` whole: AV off, MPSAR, RAL, RAH with AV.
  void program(unsigned i);
  /// Moves valid entry `i` to `pool` by MPSAR alone, AV left set (see rar_host.cpp).
  void move_pool(unsigned i, unsigned pool);
  /// The pool an entry of `owner` holding `mac` maps to: the default pool for a host MAC.
  unsigned pool_for(int owner, const hal::MacAddr& mac) const;
  /// Between recording a VF entry in e_ and writing it (program()): when it holds a host MAC
  /// it will name the default pool, so its VF's check is lifted now, not after. Only adds
  /// lifts; sync_antispoof() after the write takes back those no longer needed.
  void lift_ahead();
  /// Before a VF entry holding `mac` changes: a host MAC's spare goes valid.
  void cover_host(const hal::MacAddr& mac);
  /// After a change: a host MAC's spare is valid exactly while no VF entry holds it.
  void sync_host(const hal::MacAddr& mac);
  /// Whether a valid VF entry holds `mac`.
  bool held_by_vf(const hal::MacAddr& mac) const;
  /// VFs with a valid entry holding a host MAC.
  uint64_t vfs_to_host() const;
  /// Lifts the MAC anti-spoof of exactly the VFs in vfs_to_host(), writing the PFVFSPOOF
  /// MAC bits of those whose state changed, and telling the lift listener.
  void sync_antispoof();
  /// Sets lifted_ to `want`: writes the changed VFs' bits and tells the listener.
  void apply_lifts(uint64_t want);
  void write_antispoof_bit(unsigned vf);

  hal::RegisterIo& bar0_;
  unsigned host_entries_;  // spares 1..host_entries_ are for host MACs only
  LiftListener on_lift_;
  std::array<Entry, kSize> e_{};
  std::vector<hal::MacAddr> hosts_;  // host MACs, in the order added
  unsigned host_pool_ = 0;           // the default pool (set_pf)
  uint64_t antispoof_wanted_ = 0;    // set_mac_antispoof(), one bit per VF
  uint64_t lifted_ = 0;              // VFs whose MAC anti-spoof bit is held clear
};

}  // namespace pf
