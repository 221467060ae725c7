#pragma once
// Helpers for the host MAC tests (PfDriver::add_host_mac): the RAR table and PFVFSPOOF as
// registers, a bus watch that proves a MAC stays matched through a sequence of writes, and a
// frame from the wire counted at the queue it reached.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "hal/sim/l2_switch.hpp"
#include "hal/sim/wire_port.hpp"
#include "pf_rig.hpp"

namespace hostmactest {

namespace hm_reg = hal::ixgbe::pf;  // not "reg": test files that use this namespace have their own

/// Host MACs in these tests: not a VF's until a test pairs one.
inline hal::MacAddr host_mac(uint8_t last) {
  return hal::MacAddr({0x02, 0x55, 0x66, 0x77, 0x88, last});
}

/// Every register the host MAC code may write: RAL/RAH/MPSAR of all 128 entries, PFVFSPOOF.
inline std::vector<uint32_t> filter_regs(pftest::Rig& r) {
  std::vector<uint32_t> out;
  for (unsigned i = 0; i < hm_reg::kNumRar; ++i) {
    for (hal::Reg32 x : {hm_reg::RAL(i), hm_reg::RAH(i), hm_reg::MPSAR_LO(i), hm_reg::MPSAR_HI(i)}) {
      out.push_back(r.rd(x));
    }
  }
  for (unsigned i = 0; i < 8; ++i) out.push_back(r.rd(hm_reg::PFVFSPOOF(i)));
  return out;
}

inline bool mac_antispoof(pftest::Rig& r, unsigned vf) {
  return (r.rd(hm_reg::PFVFSPOOF(vf / 8)) & hm_reg::pfvfspoof::mac_bit(vf)) != 0;
}
inline bool vlan_antispoof(pftest::Rig& r, unsigned vf) {
  return (r.rd(hm_reg::PFVFSPOOF(vf / 8)) & hm_reg::pfvfspoof::vlan_bit(vf)) != 0;
}

/// The pools of every valid RAR entry holding `m`, OR'ed (what the switch's R2a reads).
inline uint64_t rar_pools(pftest::Rig& r, const hal::MacAddr& m) {
  const auto& b = m.bytes();
  const uint32_t lo = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
  const uint32_t hi = uint32_t{b[4]} | uint32_t{b[5]} << 8 | hm_reg::rah::kAv;
  uint64_t pools = 0;
  for (unsigned i = 0; i < hm_reg::kNumRar; ++i) {
    if (r.rd(hm_reg::RAL(i)) != lo || r.rd(hm_reg::RAH(i)) != hi) continue;
    pools |= uint64_t{r.rd(hm_reg::MPSAR_HI(i))} << 32 | r.rd(hm_reg::MPSAR_LO(i));
  }
  return pools;
}

/// Watches the PF's RAR/MPSAR writes from now on and checks, after each one, which pools
/// `m` reaches (the OR over valid entries holding it). Counts the writes after which `ok`
/// failed. Shadow registers start from the device's current values.
class RarWatch {
 public:
  RarWatch(pftest::Rig& r, hal::MacAddr m, std::function<bool(uint64_t pools)> ok)
      : r_(r), ok_(std::move(ok)) {
    const auto& b = m.bytes();
    lo_ = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
    hi_ = uint32_t{b[4]} | uint32_t{b[5]} << 8 | hm_reg::rah::kAv;
    for (unsigned i = 0; i < hm_reg::kNumRar; ++i) {
      ral_[i] = r.rd(hm_reg::RAL(i));
      rah_[i] = r.rd(hm_reg::RAH(i));
      mpsar_[i] = uint64_t{r.rd(hm_reg::MPSAR_HI(i))} << 32 | r.rd(hm_reg::MPSAR_LO(i));
    }
    r.dev->set_trace([this](const sim::RegAccess& a) { on_access(a); });
  }
  ~RarWatch() { r_.dev->set_trace(nullptr); }
  RarWatch(const RarWatch&) = delete;
  RarWatch& operator=(const RarWatch&) = delete;

  unsigned writes() const { return writes_; }
  unsigned failures() const { return failures_; }

 private:
  void on_access(const sim::RegAccess& a) {
    if (a.function >= 0 || !a.write || a.space != sim::Space::kBar0) return;
    bool hit = false;
    for (unsigned i = 0; i < hm_reg::kNumRar && !hit; ++i) {
      hit = true;
      if (a.offset == hm_reg::RAL(i).offset) ral_[i] = a.value;
      else if (a.offset == hm_reg::RAH(i).offset) rah_[i] = a.value;
      else if (a.offset == hm_reg::MPSAR_LO(i).offset) mpsar_[i] = (mpsar_[i] & ~uint64_t{0xFFFFFFFF}) | a.value;
      else if (a.offset == hm_reg::MPSAR_HI(i).offset) mpsar_[i] = (mpsar_[i] & 0xFFFFFFFF) | uint64_t{a.value} << 32;
      else hit = false;
    }
    if (!hit) return;
    ++writes_;
    uint64_t pools = 0;
    for (unsigned i = 0; i < hm_reg::kNumRar; ++i) {
      if (ral_[i] == lo_ && rah_[i] == hi_) pools |= mpsar_[i];
    }
    if (!ok_(pools)) ++failures_;
  }

  pftest::Rig& r_;
  std::function<bool(uint64_t)> ok_;
  uint32_t lo_ = 0, hi_ = 0;
  std::array<uint32_t, hm_reg::kNumRar> ral_{}, rah_{};
  std::array<uint64_t, hm_reg::kNumRar> mpsar_{};
  unsigned writes_ = 0, failures_ = 0;
};

/// A 60-byte frame (ethertype 0x88b5, local experimental: no RSS hash, so a pool's first
/// queue takes it).
inline std::vector<uint8_t> frame(const hal::MacAddr& dst, const hal::MacAddr& src) {
  std::vector<uint8_t> f(60, 0);
  for (size_t i = 0; i < 6; ++i) {
    f[i] = dst.bytes()[i];
    f[6 + i] = src.bytes()[i];
  }
  f[12] = 0x88;
  f[13] = 0xb5;
  return f;
}

/// How a MAC anti-spoof check would judge a frame `vf` sends from `src` now: the simulated
/// switch's transmit rules over the device's current registers.
inline bool tx_spoof_dropped(pftest::Rig& r, unsigned vf, const hal::MacAddr& src) {
  const auto read = [&r](hal::Reg32 x) { return r.rd(x); };
  sim::L2Switch sw{sim::RegisterReader(read)};
  const std::vector<uint8_t> f = frame(hal::MacAddr({0x02, 0, 0, 0, 0x77, 1}), src);
  const sim::Verdict v = sw.transmit(vf, std::span<const uint8_t>(f));
  return v.is_dropped() && v.drop_reason() == sim::DropReason::kMacSpoof;
}

}  // namespace hostmactest
