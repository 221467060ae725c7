#pragma once
// Helpers for the host MAC tests (PfDriver::add_host_mac): the RAR table and PFVFSPOOF as
// registers, bus watches that prove a MAC stays matched (and a VF's frames from it stay
// unspoofed) through a sequence of writes, a frame from the wire counted at the queue it
// reached, and a VF transmit queue for frames the switch loops back.

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "hal/ixgbe/descriptors.hpp"
#include "hal/ixgbe/queue_regs.hpp"
#include "hal/ixgbe/regs_vf.hpp"
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

/// Whether the MAC anti-spoof check passes a frame `vf` sends from `src` under switch state
/// `s` (the simulated switch's rule T2, classify_transmit itself). Only that check is judged:
/// VT and the VF's transmit gate are taken as on.
inline bool mac_check_passes(sim::SwitchState s, unsigned vf, const hal::MacAddr& src) {
  s.vt_enabled = true;
  s.tx_enabled |= uint64_t{1} << vf;
  const std::vector<uint8_t> f = frame(hal::MacAddr({0x02, 0, 0, 0, 0x77, 1}), src);
  const auto view = sim::FrameView::parse(std::span<const uint8_t>(f));
  if (!view) return false;
  const sim::Verdict v = sim::classify_transmit(s, vf, *view);
  return !(v.is_dropped() && v.drop_reason() == sim::DropReason::kMacSpoof);
}

/// The pools the switch sends a unicast frame to `m` to under state `s` (R2a: every valid
/// entry holding it).
inline uint64_t pools_of(const sim::SwitchState& s, const hal::MacAddr& m) {
  return s.rar_pools(sim::Mac48::from(m));
}

/// Watches the PF's writes to the switch registers (every register sim::SwitchState reads:
/// RAR/MPSAR, PFVFSPOOF, VT_CTL, VFRE/VFTE, VMOLR, VLVF, ...) from now on and, after each one,
/// decodes them as they then stand and asks `ok` (which may also read them one by one through
/// the watch: reg()); counts the writes after which it said no.
/// The shadow starts from the device's current values (the switch reads no read-to-clear
/// register). Not across a device reset or a VF FLR, which change registers behind the
/// shadow's back (CTRL.RST clears them; an FLR clears the VF's VFRE/VFTE bits).
class SwitchWatch {
 public:
  using Check = std::function<bool(const sim::SwitchState&, const SwitchWatch&)>;

  SwitchWatch(pftest::Rig& r, Check ok) : r_(r), ok_(std::move(ok)) {
    const auto record = [this, &r](hal::Reg32 x) {
      const uint32_t v = r.rd(x);
      shadow_[x.offset] = v;
      return v;
    };
    (void)sim::SwitchState::load(sim::RegisterReader(record));
    // The switch reads an entry's address and pool map only while it is valid: the shadow
    // needs them before they become so.
    for (unsigned i = 0; i < hm_reg::kNumRar; ++i) {
      for (hal::Reg32 x : {hm_reg::RAL(i), hm_reg::MPSAR_LO(i), hm_reg::MPSAR_HI(i)}) (void)record(x);
    }
    for (unsigned i = 0; i < 2 * hm_reg::kNumVlvf; ++i) (void)record(hm_reg::VLVFB(i));
    r.dev->set_trace([this](const sim::RegAccess& a) { on_access(a); });
  }
  ~SwitchWatch() { r_.dev->set_trace(nullptr); }
  SwitchWatch(const SwitchWatch&) = delete;
  SwitchWatch& operator=(const SwitchWatch&) = delete;

  unsigned writes() const { return writes_; }
  unsigned failures() const { return failures_; }
  /// A switch register as the PF's writes left it.
  uint32_t reg(hal::Reg32 x) const {
    const auto at = shadow_.find(x.offset);
    return at == shadow_.end() ? 0u : at->second;
  }
  /// Whether RAR entry `i` is valid and holds `m`.
  bool rar_holds(unsigned i, const hal::MacAddr& m) const {
    const uint64_t bits = sim::Mac48::from(m).bits();
    return reg(hm_reg::RAL(i)) == static_cast<uint32_t>(bits) &&
           reg(hm_reg::RAH(i)) == (static_cast<uint32_t>(bits >> 32) | hm_reg::rah::kAv);
  }

 private:
  void on_access(const sim::RegAccess& a) {
    if (a.function >= 0 || !a.write || a.space != sim::Space::kBar0) return;
    if (!sim::L2Switch::is_switch_register(a.offset)) return;
    shadow_[a.offset] = a.value;
    ++writes_;
    const auto read = [this](hal::Reg32 x) { return reg(x); };
    if (!ok_(sim::SwitchState::load(sim::RegisterReader(read)), *this)) ++failures_;
  }

  pftest::Rig& r_;
  Check ok_;
  std::unordered_map<uint32_t, uint32_t> shadow_;
  unsigned writes_ = 0, failures_ = 0;
};

/// Queue 0 of a VF's TX, set up through the VF's BAR the way a VF driver does (after its
/// VF_RESET: the PF restarts configured queues then), with its ring and buffers in memory
/// mapped into the VF's DMA domain. Frames it sends are switched by the device's engine.
class VfTxQueue {
 public:
  static constexpr unsigned kRing = 8;
  static constexpr uint64_t kIova = 0x100000, kBufOffset = 0x1000, kBufSize = 0x800;

  explicit VfTxQueue(pftest::Vf& vf) : bar_(vf.fn().bar0()), mem_(kBufOffset + kRing * kBufSize, 0) {
    namespace vreg = hal::ixgbe::vf;
    REQUIRE(vf.fn().dma().map(hal::Iova(kIova), mem_.data(), mem_.size()).has_value());
    bar_.write(vreg::VFTDBAL(0), static_cast<uint32_t>(kIova));
    bar_.write(vreg::VFTDBAH(0), static_cast<uint32_t>(kIova >> 32));
    bar_.write(vreg::VFTDLEN(0), kRing * 16);
    bar_.write(vreg::VFTDH(0), 0);
    bar_.write(vreg::VFTDT(0), 0);
    bar_.write(vreg::VFTXDCTL(0), hal::ixgbe::txdctl::kEnable);
  }

  /// Queues `f` in one descriptor (EOP, RS, FCS inserted) and writes the tail.
  void send(const std::vector<uint8_t>& f) {
    namespace ix = hal::ixgbe;
    const uint64_t buf = kBufOffset + tail_ * kBufSize;
    std::memcpy(mem_.data() + buf, f.data(), f.size());
    ix::AdvTxRead d{};
    d.buffer_addr = kIova + buf;
    d.cmd_type_len = ix::tx_data_cmd_type_len(
        static_cast<uint16_t>(f.size()), ix::txd_cmd::kIfcs | ix::txd_cmd::kEop | ix::txd_cmd::kRs);
    d.olinfo_status = ix::tx_olinfo_paylen(static_cast<uint32_t>(f.size()));
    std::memcpy(mem_.data() + tail_ * 16, &d, sizeof d);
    tail_ = (tail_ + 1) % kRing;
    bar_.write(hal::ixgbe::vf::VFTDT(0), tail_);
  }

 private:
  hal::RegisterIo& bar_;
  std::vector<uint8_t> mem_;
  uint32_t tail_ = 0;
};

}  // namespace hostmactest
