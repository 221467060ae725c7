#pragma once
// The VF driver against the real PF driver on one simulated 82599: the PF's own waits only
// advance the clock; every wait of a VF driver runs one pass of the PF's mailbox service.

#include <catch2/catch.hpp>

#include <memory>

#include "hal/clock.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/device.hpp"
#include "pf_driver/pf_driver.hpp"
#include "vf_driver/vf_driver.hpp"

namespace vftest {

inline const hal::MacAddr kPfMac({0x02, 0x00, 0x00, 0x00, 0x00, 0x01});

inline pf::PfOptions pf_options(uint32_t mtu = 1500) {
  pf::PfOptions o;
  o.mac = kPfMac;
  o.mtu = mtu;
  return o;
}

/// VfOptions with a seed per VF, so that every VF picks a different random MAC.
inline vf::VfOptions vf_options(unsigned vf, mbx::Api max_api = mbx::Api::k14) {
  vf::VfOptions o;
  o.mac_seed = 1000 + vf;
  o.max_api = max_api;
  return o;
}

struct PfRig {
  explicit PfRig(pf::PfOptions opts = pf_options())
      : dev(sim::Device82599::create()),
        pf_waiter(clock, {}),
        pf(dev->pf(), clock, pf_waiter, opts),
        vf_waiter(clock, [this] {
          if (pf_alive) pf.service_once();
        }) {}

  /// init() and set_num_vfs(n), both required to succeed.
  void up(unsigned num_vfs) {
    auto i = pf.init();
    INFO((i ? std::string() : i.error().reason));
    REQUIRE(i.has_value());
    auto n = pf.set_num_vfs(num_vfs);
    INFO((n ? std::string() : n.error().reason));
    REQUIRE(n.has_value());
  }

  hal::PciFunction& fn(unsigned i) { return *dev->vf(hal::VfId{i}).value(); }
  hal::RegisterIo& bar() { return dev->pf().bar0(); }
  pf::VfInfo info(unsigned i) const { return pf.vf_info(hal::VfId{i}); }

  /// Whether a valid RAR entry holds `m` for `pool` (the PF's unicast filter for a VF).
  bool has_mac_filter(const hal::MacAddr& m, unsigned pool) {
    namespace reg = hal::ixgbe::pf;
    const auto& b = m.bytes();
    const uint32_t lo = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 |
                        uint32_t{b[3]} << 24;
    const uint32_t hi = uint32_t{b[4]} | uint32_t{b[5]} << 8 | reg::rah::kAv;
    for (unsigned i = 0; i < reg::kNumRar; ++i) {
      if (bar().read(reg::RAL(i)) != lo || bar().read(reg::RAH(i)) != hi) continue;
      const uint64_t pools = uint64_t{bar().read(reg::MPSAR_HI(i))} << 32 |
                             bar().read(reg::MPSAR_LO(i));
      if ((pools >> pool) & 1u) return true;
    }
    return false;
  }

  /// Whether a valid VLVF entry for `vid` includes `pool`.
  bool vlan_has(uint16_t vid, unsigned pool) {
    namespace reg = hal::ixgbe::pf;
    for (unsigned i = 0; i < reg::kNumVlvf; ++i) {
      const uint32_t v = bar().read(reg::VLVF(i));
      if (!(v & reg::vlvf::kVien) || (v & reg::vlvf::kVidMask) != vid) continue;
      return (bar().read(reg::VLVFB(2 * i + pool / 32)) >> (pool % 32)) & 1u;
    }
    return false;
  }

  hal::ManualClock clock;
  std::unique_ptr<sim::Device82599> dev;
  hal::SteppingWaiter pf_waiter;
  pf::PfDriver pf;
  bool pf_alive = true;  ///< false: VF waits only pass time, the PF never serves the mailbox
  hal::SteppingWaiter vf_waiter;
};

}  // namespace vftest
