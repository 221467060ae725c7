// RarTable's host MACs: which pool a MAC's entry maps to, and the MAC anti-spoof bits that
// depend on it (rar_table.hpp has the rules; docs/switch.md "Host MACs").
#include <algorithm>
#include <bit>

#include "pf_driver/rar_table.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;

void RarTable::set_pf(const hal::MacAddr& mac, unsigned pool) {
  e_[kPfEntry] = Entry{.mac = mac, .pool = pool, .valid = !mac.is_zero(), .owner = -1};
  program(kPfEntry);
  if (pool == host_pool_) return;
  host_pool_ = pool;
  for (unsigned i = 1; i < kSize; ++i) {
    const Entry& e = e_[i];
    // move_pool() only records the pool of an invalid spare: it is written when it goes valid.
    if (e.host || (e.valid && e.owner >= 0 && is_host(e.mac))) move_pool(i, pool);
  }
}

std::expected<unsigned, ErrorCode> RarTable::add_host(const hal::MacAddr& mac, unsigned num_vfs) {
  if (const auto spare = host_spare(mac)) return *spare;
  unsigned spare = 0;
  for (unsigned i = 1; i <= last_spare(num_vfs) && spare == 0; ++i) {
    if (!e_[i].valid && !e_[i].host) spare = i;
  }
  if (spare == 0) return std::unexpected(ErrorCode::kNoSpace);
  hosts_.push_back(mac);
  e_[spare] = Entry{.mac = mac, .pool = host_pool_, .valid = false, .owner = -1, .host = true};
  // The VFs holding it may still send from it: their check is lifted before their entries
  // stop naming their pool (now that `mac` is a host MAC, vfs_to_host() includes them).
  sync_antispoof();
  for (unsigned i = 1; i < kSize; ++i) {
    if (e_[i].valid && e_[i].owner >= 0 && e_[i].mac == mac) move_pool(i, host_pool_);
  }
  sync_host(mac);
  return spare;
}

bool RarTable::remove_host(const hal::MacAddr& mac) {
  const auto it = std::find(hosts_.begin(), hosts_.end(), mac);
  if (it == hosts_.end()) return false;
  // Back to the VFs holding it first, then the spare goes: the MAC is always matched.
  for (unsigned i = 1; i < kSize; ++i) {
    const Entry& e = e_[i];
    if (e.valid && !e.host && e.owner >= 0 && e.mac == mac) {
      move_pool(i, static_cast<unsigned>(e.owner));
    }
  }
  if (const auto spare = host_spare(mac)) {
    e_[*spare] = Entry{};
    program(*spare);
  }
  hosts_.erase(it);
  // Only now, with their entries naming their pools again, the VFs' checks come back.
  sync_antispoof();
  return true;
}

bool RarTable::is_host(const hal::MacAddr& mac) const {
  return std::find(hosts_.begin(), hosts_.end(), mac) != hosts_.end();
}

std::optional<unsigned> RarTable::host_spare(const hal::MacAddr& mac) const {
  if (hosts_.empty()) return std::nullopt;
  for (unsigned i = 1; i < kSize; ++i) {
    if (e_[i].host && e_[i].mac == mac) return i;
  }
  return std::nullopt;
}

std::optional<hal::VfId> RarTable::holder(const hal::MacAddr& mac) const {
  for (unsigned i = 1; i < kSize; ++i) {
    const Entry& e = e_[i];
    if (e.valid && !e.host && e.owner >= 0 && e.mac == mac) {
      return hal::VfId(static_cast<unsigned>(e.owner));
    }
  }
  return std::nullopt;
}

std::optional<hal::MacAddr> RarTable::host_mac_of(hal::VfId vf) const {
  if (hosts_.empty()) return std::nullopt;
  for (unsigned i = 1; i < kSize; ++i) {
    const Entry& e = e_[i];
    if (e.valid && !e.host && e.owner == static_cast<int>(vf.value()) && is_host(e.mac)) {
      return e.mac;
    }
  }
  return std::nullopt;
}

void RarTable::fit_hosts(unsigned num_vfs) {
  const unsigned last = last_spare(num_vfs);
  unsigned to = 1;
  for (unsigned i = last + 1; i < kSize; ++i) {
    if (!e_[i].host) continue;
    while (to <= last && (e_[to].valid || e_[to].host)) ++to;
    if (to > last) return;  // hosts_fit() was not checked: leave the rest where they are
    // The copy goes valid before the old entry goes: the MAC is always matched.
    e_[to] = e_[i];
    program(to);
    e_[i] = Entry{};
    program(i);
  }
}

void RarTable::set_mac_antispoof(hal::VfId vf, bool on) {
  const uint64_t bit = uint64_t{1} << vf.value();
  antispoof_wanted_ = on ? (antispoof_wanted_ | bit) : (antispoof_wanted_ & ~bit);
  write_antispoof_bit(vf.value());
}

void RarTable::move_pool(unsigned i, unsigned pool) {
  const unsigned old = e_[i].pool;
  e_[i].pool = pool;
  if (!e_[i].valid || old == pool) return;
  // AV stays set: dropping it (as program() does) would leave the MAC unmatched for a moment,
  // and a unicast frame then falls to the default pool or the wire. MPSAR is the whole pool
  // map (datasheet 8.2.3.7.10): the new pool's bit goes in before the old one comes out, so
  // for an instant both pools may get a copy, never neither.
  const auto mpsar = [i](unsigned r) { return r == 0 ? reg::MPSAR_LO(i) : reg::MPSAR_HI(i); };
  const unsigned r_new = reg::pool_reg_index(pool);
  const unsigned r_old = reg::pool_reg_index(old);
  bar0_.write(mpsar(r_new), reg::pool_bit(pool));
  if (r_old != r_new) bar0_.write(mpsar(r_old), 0);
}

unsigned RarTable::pool_for(int owner, const hal::MacAddr& mac) const {
  return owner < 0 || is_host(mac) ? host_pool_ : static_cast<unsigned>(owner);
}

void RarTable::lift_ahead() {
  if (hosts_.empty()) return;
  apply_lifts(lifted_ | vfs_to_host());
}

void RarTable::cover_host(const hal::MacAddr& mac) {
  const auto spare = host_spare(mac);
  if (!spare || e_[*spare].valid) return;
  e_[*spare].valid = true;
  e_[*spare].pool = host_pool_;
  program(*spare);
}

void RarTable::sync_host(const hal::MacAddr& mac) {
  const auto spare = host_spare(mac);
  if (!spare) return;
  const bool want = !held_by_vf(mac);
  if (e_[*spare].valid == want) return;
  e_[*spare].valid = want;
  e_[*spare].pool = host_pool_;
  program(*spare);
}

bool RarTable::held_by_vf(const hal::MacAddr& mac) const {
  for (unsigned i = 1; i < kSize; ++i) {
    const Entry& e = e_[i];
    if (e.valid && !e.host && e.owner >= 0 && e.mac == mac) return true;
  }
  return false;
}

uint64_t RarTable::vfs_to_host() const {
  if (hosts_.empty()) return 0;
  uint64_t vfs = 0;
  for (unsigned i = 1; i < kSize; ++i) {
    const Entry& e = e_[i];
    if (e.valid && !e.host && e.owner >= 0 && is_host(e.mac)) vfs |= uint64_t{1} << e.owner;
  }
  return vfs;
}

void RarTable::sync_antispoof() {
  if (hosts_.empty() && lifted_ == 0) return;  // the common case: no host MACs, nothing to do
  apply_lifts(vfs_to_host());
}

void RarTable::apply_lifts(uint64_t want) {
  uint64_t changed = want ^ lifted_;
  lifted_ = want;
  for (; changed != 0; changed &= changed - 1) {
    const auto vf = static_cast<unsigned>(std::countr_zero(changed));
    write_antispoof_bit(vf);
    if (on_lift_) on_lift_(hal::VfId(vf), ((want >> vf) & 1u) != 0);
  }
}

void RarTable::write_antispoof_bit(unsigned vf) {
  const bool on = ((antispoof_wanted_ & ~lifted_) >> vf) & 1u;
  const hal::Reg32 r = reg::PFVFSPOOF(reg::pfvfspoof::reg_index(vf));
  const uint32_t bit = reg::pfvfspoof::mac_bit(vf);
  const uint32_t cur = bar0_.read(r);
  const uint32_t next = on ? (cur | bit) : (cur & ~bit);
  if (next != cur) bar0_.write(r, next);
}

}  // namespace pf
