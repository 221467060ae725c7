#pragma once
// A stepped host for the rogue-guest tests: a simulated 82599, the PF driver, well-behaved
// guests (the real VF driver) on some VFs and a harness::rogue::RogueVf on another. One thread
// and a ManualClock: a tick moves time by 100 us, runs the rogue's misbehaviour, then one PF
// service pass. A guest waiting for the PF ticks through TickWaiter, so the rogue keeps
// misbehaving while the guest waits, as it would on real hardware.

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "hal/clock.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/device.hpp"
#include "harness/guest.hpp"
#include "harness/rogue/rogue_vf.hpp"
#include "pf_driver/pf_driver.hpp"

namespace roguetest {

using namespace std::chrono_literals;

inline constexpr hal::Nanos kTick = 100us;
inline const hal::MacAddr kPfMac({0x02, 0x00, 0x00, 0x00, 0x00, 0x01});
/// A locally administered unicast MAC ending in `last`.
inline hal::MacAddr mac(uint8_t a, uint8_t last) {
  return hal::MacAddr({0x02, 0x5a, 0x00, 0x00, a, last});
}

inline pf::PfOptions pf_options() {
  pf::PfOptions o;
  o.mac = kPfMac;
  o.mailbox_flood = pf::MailboxFloodPolicy::recommended();
  return o;
}

class RogueRig;

/// A guest's waiter: the pause runs rig ticks until its hint has passed.
class TickWaiter final : public hal::Waiter {
 public:
  explicit TickWaiter(RogueRig& rig) : rig_(rig) {}
  void pause(hal::Nanos hint) override;

 private:
  RogueRig& rig_;
};

class RogueRig {
 public:
  explicit RogueRig(unsigned num_vfs, pf::PfOptions opts = pf_options())
      : dev(sim::Device82599::create()),
        pf_waiter(clock, {}),
        pf(dev->pf(), clock, pf_waiter, opts) {
    auto i = pf.init();
    INFO((i ? std::string() : i.error().reason));
    REQUIRE(i.has_value());
    auto n = pf.set_num_vfs(num_vfs);
    INFO((n ? std::string() : n.error().reason));
    REQUIRE(n.has_value());
  }

  hal::ManualClock clock;
  std::unique_ptr<sim::Device82599> dev;
  hal::SteppingWaiter pf_waiter;
  pf::PfDriver pf;
  /// What the rogue does before every PF pass (nothing when empty).
  std::function<void()> misbehave;
  uint64_t passes = 0;

  /// 100 us of simulated time: the rogue, then one PF pass.
  void tick() {
    clock.advance(kTick);
    if (misbehave) misbehave();
    pf.service_once();
    ++passes;
  }
  /// tick(), then every guest's watchdog (never from inside a guest's wait).
  void step() {
    tick();
    for (auto& [id, g] : guests_) g->driver().service();
  }
  void run(hal::Nanos d) {
    for (hal::Nanos t{}; t < d; t += kTick) step();
  }

  hal::PciFunction& function(unsigned vf) {
    auto f = dev->vf(hal::VfId(vf));
    REQUIRE(f.has_value());
    return **f;
  }
  /// A well-behaved guest on `vf`, probed, its link settled.
  harness::Guest& add_guest(unsigned vf) {
    vf::VfOptions vo;
    vo.mac_seed = 7000 + vf;
    auto g = std::make_unique<harness::Guest>(hal::VfId(vf), function(vf), clock,
                                              std::make_unique<TickWaiter>(*this), vo);
    auto r = g->driver().probe();
    INFO("guest " << vf << ": " << (r ? "" : vf::to_string(r.error())));
    REQUIRE(r.has_value());
    harness::Guest& ref = *g;
    guests_[vf] = std::move(g);
    for (int i = 0; i < 100 && !ref.is_up(); ++i) step();
    REQUIRE(ref.is_up());
    return ref;
  }
  harness::Guest& guest(unsigned vf) { return *guests_.at(vf); }
  const std::map<unsigned, std::unique_ptr<harness::Guest>>& guests() const { return guests_; }

 private:
  std::map<unsigned, std::unique_ptr<harness::Guest>> guests_;
};

inline void TickWaiter::pause(hal::Nanos hint) {
  for (hal::Nanos t{}; t < hint; t += kTick) rig_.tick();
  if (hint <= hal::Nanos::zero()) rig_.tick();
}

/// What the host and the other VFs look like from outside one VF: every register of the PF's
/// BAR that belongs to another pool or to the switch as a whole, and every other VF's vf_info.
/// Shared tables are kept as the entries of other pools, with the rogue's bit masked out; the
/// MTA and VFTA, unions of every pool's wishes, separately (a rogue may add bits, never take
/// another pool's away).
struct Snapshot {
  std::map<std::string, uint64_t> values;
  std::set<std::string> entries;
  std::vector<uint32_t> mta, vfta;
};

inline std::string vf_info_text(const pf::VfInfo& i) {
  return fmt::format(
      "mac={} admin={} vlan={} qos={} spoof={} trust={} rssq={} link={} en={} cts={} api={} "
      "xcast={} frame={} mc={} macvlans={} vlans={} msgs={} acks={} nacks={} resets={} flrs={} "
      "ignored={}",
      i.mac, i.admin_mac, i.vlan, i.qos, i.spoofchk, i.trusted, i.rss_query,
      pf::to_string(i.link_state), i.link_enable, i.clear_to_send, i.api, static_cast<int>(i.xcast),
      i.max_frame, i.num_mc_hashes, i.num_macvlans, i.num_vlans, i.counters.messages,
      i.counters.acks, i.counters.nacks, i.counters.resets, i.counters.flrs, i.counters.ignored);
}

inline Snapshot snapshot(RogueRig& r, unsigned rogue) {
  namespace reg = hal::ixgbe::pf;
  hal::RegisterIo& b = r.dev->pf().bar0();
  Snapshot s;
  auto put = [&](std::string name, uint64_t v) { s.values[std::move(name)] = v; };
  const unsigned nvf = r.pf.num_vfs();
  const uint64_t keep = ~(uint64_t{1} << rogue);
  for (unsigned v = 0; v < nvf; ++v) {
    if (v != rogue)
      s.entries.insert(fmt::format("vf {}: {}", v, vf_info_text(r.pf.vf_info(hal::VfId(v)))));
  }
  for (const hal::Reg32 g : {reg::VT_CTL, reg::MRQC, reg::MCSTCTRL, reg::PFDTXGSWC}) {
    put(fmt::format("global {:#x}", g.offset), b.read(g));
  }
  const uint64_t vfre = uint64_t{b.read(reg::VFRE(1))} << 32 | b.read(reg::VFRE(0));
  const uint64_t vfte = uint64_t{b.read(reg::VFTE(1))} << 32 | b.read(reg::VFTE(0));
  put("VFRE", vfre & keep);
  put("VFTE", vfte & keep);
  const unsigned per_pool = r.pf.queues_per_pool();
  for (unsigned p = 0; p <= nvf; ++p) {  // the VFs' pools and the PF's pool
    if (p == rogue) continue;
    put(fmt::format("VMOLR({})", p), b.read(reg::VMOLR(p)));
    put(fmt::format("VMVIR({})", p), b.read(reg::VMVIR(p)));
    const uint32_t spoof = b.read(reg::PFVFSPOOF(p / 8));
    put(fmt::format("PFVFSPOOF pool {}", p), (spoof >> (p % 8)) & 0x101);
    for (unsigned q = p * per_pool; q < (p + 1) * per_pool; ++q) {
      for (const hal::Reg32 qr : {reg::RDBAL(q), reg::RDLEN(q), reg::RXDCTL(q), reg::SRRCTL(q),
                                  reg::TDBAL(q), reg::TDLEN(q), reg::TXDCTL(q)}) {
        put(fmt::format("queue {} reg {:#x}", q, qr.offset), b.read(qr));
      }
    }
  }
  for (unsigned i = 0; i < reg::kNumRar; ++i) {
    const uint32_t rah = b.read(reg::RAH(i));
    if ((rah & reg::rah::kAv) == 0) continue;
    const uint64_t pools =
        (uint64_t{b.read(reg::MPSAR_HI(i))} << 32 | b.read(reg::MPSAR_LO(i))) & keep;
    if (pools != 0 || i == 0) {
      s.entries.insert(
          fmt::format("RAR {:08x}{:08x} pools {:#x}", rah, b.read(reg::RAL(i)), pools));
    }
  }
  for (unsigned i = 0; i < reg::kNumVlvf; ++i) {
    const uint32_t vlvf = b.read(reg::VLVF(i));
    if ((vlvf & reg::vlvf::kVien) == 0) continue;
    const uint64_t pools =
        (uint64_t{b.read(reg::VLVFB(2 * i + 1))} << 32 | b.read(reg::VLVFB(2 * i))) & keep;
    if (pools != 0) s.entries.insert(fmt::format("VLVF {:#x} pools {:#x}", vlvf, pools));
  }
  for (unsigned i = 0; i < 128; ++i) s.mta.push_back(b.read(reg::MTA(i)));
  for (unsigned i = 0; i < 128; ++i) s.vfta.push_back(b.read(reg::VFTA(i)));
  return s;
}

/// Every difference between two snapshots, one per line; empty when the others are as they
/// were. MTA/VFTA bits may be added (the rogue's own wishes), never removed.
inline std::string diff(const Snapshot& a, const Snapshot& b) {
  std::string out;
  for (const auto& [k, v] : a.values) {
    auto it = b.values.find(k);
    if (it == b.values.end() || it->second != v) {
      out += fmt::format(
          "{}: {:#x} -> {}\n", k, v,
          it == b.values.end() ? std::string("gone") : fmt::format("{:#x}", it->second));
    }
  }
  for (const auto& e : a.entries) {
    if (!b.entries.contains(e)) out += "lost: " + e + "\n";
  }
  for (const auto& e : b.entries) {
    if (!a.entries.contains(e)) out += "new: " + e + "\n";
  }
  for (size_t i = 0; i < a.mta.size(); ++i) {
    if ((a.mta[i] & ~b.mta[i]) != 0)
      out += fmt::format("MTA({}) lost bits {:#x}\n", i, a.mta[i] & ~b.mta[i]);
  }
  for (size_t i = 0; i < a.vfta.size(); ++i) {
    if ((a.vfta[i] & ~b.vfta[i]) != 0)
      out += fmt::format("VFTA({}) lost bits {:#x}\n", i, a.vfta[i] & ~b.vfta[i]);
  }
  return out;
}

}  // namespace roguetest
