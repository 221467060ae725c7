#include "pf_driver/mta_table.hpp"

#include <algorithm>

namespace pf {
namespace reg = hal::ixgbe::pf;

void MtaTable::clear_all() {
  n_.fill(0);
  rebuild(true);
}

void MtaTable::set_vf(hal::VfId vf, std::span<const uint16_t> hashes) {
  const size_t n = std::min<size_t>(hashes.size(), mbx::kMaxMulticast);
  std::copy_n(hashes.begin(), n, h_[vf.value()].begin());
  n_[vf.value()] = static_cast<uint8_t>(n);
  rebuild(false);
}

void MtaTable::replay() { rebuild(true); }

void MtaTable::rebuild(bool force) {
  std::array<uint32_t, reg::kNumMta> next{};
  for (unsigned vf = 0; vf < kMaxVfs; ++vf) {
    for (unsigned j = 0; j < n_[vf]; ++j) {
      const uint16_t h = h_[vf][j];
      next[reg::mta::reg_index(h)] |= reg::mta::bit(h);
    }
  }
  for (unsigned i = 0; i < reg::kNumMta; ++i) {
    if (!force && next[i] == shadow_[i]) continue;
    shadow_[i] = next[i];
    bar0_.write(reg::MTA(i), next[i]);
  }
}

}  // namespace pf
