#include "pf_driver/rar_table.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;

void RarTable::clear_all() {
  for (unsigned i = 0; i < kSize; ++i) {
    e_[i] = Entry{};
    program(i);
  }
  // The device reset cleared PFVFSPOOF too: nothing is lifted, the PF writes the bits again
  // (and the lifts, reported again, as the VFs' entries come back).
  lifted_ = 0;
  // No VF entry holds anything now: every host MAC is delivered by its spare.
  unsigned next = 1;
  for (const hal::MacAddr& mac : hosts_) {
    e_[next] = Entry{.mac = mac, .pool = host_pool_, .valid = true, .owner = -1, .host = true};
    program(next++);
  }
}

void RarTable::replay() {
  for (unsigned i = 0; i < kSize; ++i) {
    if (e_[i].valid) program(i);
  }
}

void RarTable::set_primary(hal::VfId vf, const hal::MacAddr& mac) {
  const unsigned i = primary_entry(vf);
  const Entry old = e_[i];
  // A host MAC this entry delivers is taken over by its spare before the entry changes.
  if (old.valid) cover_host(old.mac);
  const int owner = static_cast<int>(vf.value());
  e_[i] = Entry{.mac = mac, .pool = pool_for(owner, mac), .valid = !mac.is_zero(),
                .owner = owner};
  lift_ahead();
  program(i);
  if (old.valid) sync_host(old.mac);
  if (e_[i].valid) sync_host(mac);
  sync_antispoof();
}

std::expected<unsigned, ErrorCode> RarTable::add_macvlan(hal::VfId vf, const hal::MacAddr& mac,
                                                         unsigned num_vfs) {
  // Spares 1..host_entries_ are kept for host MACs (PfOptions::host_mac_entries).
  for (unsigned i = host_entries_ + 1; i <= last_spare(num_vfs); ++i) {
    if (e_[i].valid || e_[i].host) continue;
    const int owner = static_cast<int>(vf.value());
    e_[i] = Entry{.mac = mac, .pool = pool_for(owner, mac), .valid = true, .owner = owner,
                  .macvlan = true};
    lift_ahead();
    program(i);
    sync_host(mac);
    sync_antispoof();
    return i;
  }
  return std::unexpected(ErrorCode::kNoSpace);
}

void RarTable::clear_macvlans(hal::VfId vf) {
  for (unsigned i = 1; i < kSize; ++i) {
    if (!e_[i].macvlan || e_[i].owner != static_cast<int>(vf.value())) continue;
    const hal::MacAddr mac = e_[i].mac;
    cover_host(mac);
    e_[i] = Entry{};
    program(i);
    sync_host(mac);
  }
  sync_antispoof();
}

unsigned RarTable::macvlan_count(hal::VfId vf) const {
  unsigned n = 0;
  for (const Entry& e : e_) n += (e.valid && e.macvlan && e.owner == static_cast<int>(vf.value()));
  return n;
}

std::optional<int> RarTable::other_owner(const hal::MacAddr& mac, hal::VfId vf) const {
  for (const Entry& e : e_) {
    if (e.valid && !e.host && e.mac == mac && e.owner != static_cast<int>(vf.value())) {
      return e.owner;
    }
  }
  return std::nullopt;
}

void RarTable::program(unsigned i) {
  // Drop AV first so the entry is never valid with a half-written address or a stale pool
  // map, then the pool map, the low address word, and the high word with AV last
  // (datasheet 8.2.3.7.9: the address is used only while AV is set).
  const Entry& e = e_[i];
  bar0_.write(reg::RAH(i), 0);
  // MPSAR_LO maps pools 0-31, MPSAR_HI pools 32-63: one bit, in the register of the pool.
  uint32_t lo = 0;
  uint32_t hi = 0;
  if (e.valid) (reg::pool_reg_index(e.pool) == 0 ? lo : hi) = reg::pool_bit(e.pool);
  bar0_.write(reg::MPSAR_LO(i), lo);
  bar0_.write(reg::MPSAR_HI(i), hi);
  if (!e.valid) {
    bar0_.write(reg::RAL(i), 0);
    return;
  }
  const auto& b = e.mac.bytes();
  bar0_.write(reg::RAL(i), uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 |
                               uint32_t{b[3]} << 24);
  bar0_.write(reg::RAH(i), uint32_t{b[4]} | uint32_t{b[5]} << 8 | reg::rah::kAv);
}

}  // namespace pf
