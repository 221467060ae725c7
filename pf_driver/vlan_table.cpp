#include "pf_driver/vlan_table.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;

void VlanTable::clear_all() {
  e_.fill(Entry{});
  vfta_.fill(0);
  for (unsigned i = 0; i < kEntries; ++i) program(i);
  for (unsigned i = 0; i < reg::kNumVfta; ++i) bar0_.write(reg::VFTA(i), 0);
}

void VlanTable::replay() {
  for (unsigned i = 0; i < kEntries; ++i) program(i);
  for (unsigned i = 0; i < reg::kNumVfta; ++i) bar0_.write(reg::VFTA(i), vfta_[i]);
}

std::expected<void, ErrorCode> VlanTable::add(uint16_t vid, unsigned pool) {
  if (vid > kMaxVid || pool >= reg::kNumPools) return std::unexpected(ErrorCode::kInvalidArgument);
  int i = find(vid);
  if (i < 0) {
    for (unsigned j = 0; j < kEntries; ++j) {
      if (e_[j].pools == 0) {
        i = static_cast<int>(j);
        break;
      }
    }
    if (i < 0) return std::unexpected(ErrorCode::kNoSpace);
    e_[i].vid = vid;
  }
  e_[i].pools |= uint64_t{1} << pool;
  program(static_cast<unsigned>(i));
  program_vfta(vid);
  return {};
}

void VlanTable::remove(uint16_t vid, unsigned pool) {
  const int i = find(vid);
  if (i < 0 || pool >= reg::kNumPools) return;
  e_[i].pools &= ~(uint64_t{1} << pool);
  program(static_cast<unsigned>(i));
  program_vfta(vid);
}

void VlanTable::remove_pool(unsigned pool) {
  for (unsigned i = 0; i < kEntries; ++i) {
    if (e_[i].pools & (uint64_t{1} << pool)) remove(e_[i].vid, pool);
  }
}

bool VlanTable::has(uint16_t vid, unsigned pool) const {
  const int i = find(vid);
  return i >= 0 && pool < reg::kNumPools && (e_[i].pools & (uint64_t{1} << pool)) != 0;
}

unsigned VlanTable::count(unsigned pool) const {
  unsigned n = 0;
  for (const Entry& e : e_) n += (e.pools >> pool) & 1u;
  return n;
}

int VlanTable::find(uint16_t vid) const {
  for (unsigned i = 0; i < kEntries; ++i) {
    if (e_[i].pools != 0 && e_[i].vid == vid) return static_cast<int>(i);
  }
  return -1;
}

void VlanTable::program(unsigned i) {
  // A used entry: pool bits first, then VIEN, so the filter never matches with stale pools.
  // A freed entry: VIEN off first, then the pool bits.
  const Entry& e = e_[i];
  const uint32_t lo = static_cast<uint32_t>(e.pools);
  const uint32_t hi = static_cast<uint32_t>(e.pools >> 32);
  if (e.pools != 0) {
    bar0_.write(reg::VLVFB(2 * i), lo);
    bar0_.write(reg::VLVFB(2 * i + 1), hi);
    bar0_.write(reg::VLVF(i), (e.vid & reg::vlvf::kVidMask) | reg::vlvf::kVien);
  } else {
    bar0_.write(reg::VLVF(i), 0);
    bar0_.write(reg::VLVFB(2 * i), 0);
    bar0_.write(reg::VLVFB(2 * i + 1), 0);
  }
}

void VlanTable::program_vfta(uint16_t vid) {
  const unsigned r = reg::vfta::reg_index(vid);
  const uint32_t bit = reg::vfta::bit(vid);
  const uint32_t want = find(vid) >= 0 ? (vfta_[r] | bit) : (vfta_[r] & ~bit);
  if (want == vfta_[r]) return;
  vfta_[r] = want;
  bar0_.write(reg::VFTA(r), want);
}

}  // namespace pf
