#pragma once
// A stepped host for the rogue-guest tests: a simulated 82599, the PF driver, well-behaved
// guests (the real VF driver) on some VFs and a harness::rogue::RogueVf on another. One thread
// and a ManualClock: a tick moves time by 100 us, runs the rogue's misbehaviour, then one PF
// service pass. A guest waiting for the PF ticks through TickWaiter, so the rogue keeps
// misbehaving while the guest waits, as it would on real hardware. Each tick also runs the
// guests' traffic (GuestTraffic), if any, and one device engine pass, so frames move while the
// rogue attacks.

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <algorithm>
#include <optional>
#include <span>
#include <utility>

#include "datapath/eal.hpp"
#include "hal/sim/frame_tap.hpp"
#include "mailbox/codec.hpp"
#include "hal/clock.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/device.hpp"
#include "harness/apps/burst_port.hpp"
#include "harness/apps/sink.hpp"
#include "harness/apps/traffic_gen.hpp"
#include "harness/datapath_host.hpp"
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

/// The VF the rogue tests give to the rogue (its neighbours on both sides are guests).
inline constexpr unsigned kRogue = 2;
/// The MAC the data-path rogue tests give the rogue.
inline const hal::MacAddr kRogueMac = mac(9, 2);

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
  /// The well-behaved guests' data path work per tick (GuestTraffic::pump), if any.
  std::function<void()> traffic;
  uint64_t passes = 0;

  /// 100 us of simulated time: the rogue, the guests' traffic, one engine pass, one PF pass.
  void tick() {
    clock.advance(kTick);
    if (misbehave) misbehave();
    if (traffic) traffic();
    dev->poll_once();
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

/// `pointers`: also the queue head/tail registers of every other pool, which is right only
/// while no traffic flows (with GuestTraffic, its sinks' counts stand for them).
inline Snapshot snapshot(RogueRig& r, unsigned rogue, bool pointers = true) {
  namespace reg = hal::ixgbe::pf;
  hal::RegisterIo& b = r.dev->pf().bar0();
  Snapshot s;
  auto put = [&](std::string name, uint64_t v) { s.values[std::move(name)] = v; };
  const unsigned nvf = r.pf.num_vfs();
  const uint64_t keep = ~(uint64_t{1} << rogue);
  for (unsigned v = 0; v < nvf; ++v) {
    if (v == rogue) continue;
    s.entries.insert(fmt::format("vf {}: {}", v, vf_info_text(r.pf.vf_info(hal::VfId(v)))));
    // Its mailbox memory: what the PF last wrote to it (or it to the PF).
    for (unsigned w = 0; w < 16; ++w) put(fmt::format("vf {} mbmem {}", v, w), b.read(reg::PFMBMEM(v, w)));
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
      if (!pointers) continue;
      for (const hal::Reg32 qr : {reg::RDH(q), reg::RDT(q), reg::TDH(q), reg::TDT(q)}) {
        put(fmt::format("queue {} pointer {:#x}", q, qr.offset), b.read(qr));
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

/// The rogue's own pool as the PF programmed it: what a refused (NACKed) request must leave as
/// it was. Its vf_info without the message counters (a NACK is counted), its pool registers,
/// and the RAR and VLVF entries that name its pool.
inline Snapshot own_snapshot(RogueRig& r, unsigned pool) {
  namespace reg = hal::ixgbe::pf;
  hal::RegisterIo& b = r.dev->pf().bar0();
  Snapshot s;
  pf::VfInfo info = r.pf.vf_info(hal::VfId(pool));
  info.counters = {};
  s.entries.insert("own: " + vf_info_text(info));
  auto put = [&](std::string name, uint64_t v) { s.values["own " + std::move(name)] = v; };
  const uint64_t mine = uint64_t{1} << pool;
  auto pair = [&](hal::Reg32 lo, hal::Reg32 hi) { return (uint64_t{b.read(hi)} << 32 | b.read(lo)) & mine; };
  put("VFRE", pair(reg::VFRE(0), reg::VFRE(1)));
  put("VFTE", pair(reg::VFTE(0), reg::VFTE(1)));
  put("VMECM", pair(reg::VMECM(0), reg::VMECM(1)));
  put("VMOLR", b.read(reg::VMOLR(pool)));
  put("VMVIR", b.read(reg::VMVIR(pool)));
  put("PFVFSPOOF", (b.read(reg::PFVFSPOOF(pool / 8)) >> (pool % 8)) & 0x101);
  const unsigned per_pool = r.pf.queues_per_pool();
  for (unsigned q = pool * per_pool; q < (pool + 1) * per_pool; ++q) {
    for (const hal::Reg32 qr : {reg::RDBAL(q), reg::RDLEN(q), reg::RXDCTL(q), reg::SRRCTL(q),
                                reg::TDBAL(q), reg::TDLEN(q), reg::TXDCTL(q)}) {
      put(fmt::format("queue {} reg {:#x}", q, qr.offset), b.read(qr));
    }
  }
  for (unsigned i = 0; i < reg::kNumRar; ++i) {
    const uint32_t rah = b.read(reg::RAH(i));
    if ((rah & reg::rah::kAv) != 0 && pair(reg::MPSAR_LO(i), reg::MPSAR_HI(i)) != 0) {
      s.entries.insert(fmt::format("own RAR {} {:08x}{:08x}", i, rah, b.read(reg::RAL(i))));
    }
  }
  for (unsigned i = 0; i < reg::kNumVlvf; ++i) {
    const uint32_t vlvf = b.read(reg::VLVF(i));
    if ((vlvf & reg::vlvf::kVien) != 0 && pair(reg::VLVFB(2 * i), reg::VLVFB(2 * i + 1)) != 0) {
      s.entries.insert(fmt::format("own VLVF {:#x}", vlvf));
    }
  }
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

/// Traffic between well-behaved guests while the rogue attacks: for each (from, to) pair a
/// generator on `from` sending probes of flow `from` to `to`'s MAC, and a sink on every `to`,
/// on VfPorts attached to the guests' drivers. Installed as the rig's per-tick traffic: each
/// tick every generator may send (rate-limited on the rig's clock) and every sink polls.
/// finish() stops the generators, drains, and checks every frame arrived once, in order.
class GuestTraffic {
 public:
  /// `rate_pps` per generator, on the rig's ManualClock (20000/s: two frames a tick).
  /// `more_sinks`: guests that only receive (a sink on each, no generator).
  GuestTraffic(RogueRig& r, std::vector<std::pair<unsigned, unsigned>> pairs,
               std::vector<unsigned> more_sinks = {}, uint64_t rate_pps = 20000)
      : r_(r), pairs_(std::move(pairs)) {
    const auto& eal = dp::shared_eal();
    INFO((eal ? std::string() : fmt::format("{}", eal.error())));
    REQUIRE(eal.has_value());
    harness::PortOptions po;
    po.ring_size = 256;
    auto port_of = [&](unsigned vf) -> harness::VfPort& {
      auto& slot = ports_[vf];
      if (!slot) {
        auto p = harness::VfPort::attach(r.function(vf), r.guest(vf).driver(), po);
        INFO("port " << vf << ": " << (p ? std::string() : p.error()));
        REQUIRE(p.has_value());
        slot = std::move(*p);
      }
      return *slot;
    };
    for (const auto& [from, to] : pairs_) {
      harness::apps::GenOptions o;
      o.frame.dst = r.guest(to).driver().mac();
      o.frame.flow = static_cast<uint16_t>(from);
      o.frame.frame_len = 128;
      o.rate_pps = rate_pps;
      o.clock = &r.clock;
      o.burst = 8;
      auto g = harness::apps::TrafficGen::create(harness::apps::burst_port(port_of(from)), o);
      INFO((g ? std::string() : g.error()));
      REQUIRE(g.has_value());
      gens_.push_back(std::move(*g));
      if (!sinks_.contains(to)) {
        sinks_.emplace(to, std::make_unique<harness::apps::Sink>(harness::apps::burst_port(port_of(to))));
      }
    }
    for (unsigned vf : more_sinks) {
      if (!sinks_.contains(vf)) {
        sinks_.emplace(vf, std::make_unique<harness::apps::Sink>(harness::apps::burst_port(port_of(vf))));
      }
    }
    r.traffic = [this] { pump(); };
  }
  ~GuestTraffic() { r_.traffic = nullptr; }
  GuestTraffic(const GuestTraffic&) = delete;
  GuestTraffic& operator=(const GuestTraffic&) = delete;

  /// One round: every generator (while sending), every sink. Returns frames moved.
  size_t pump() {
    size_t n = 0;
    if (sending_) {
      for (auto& g : gens_) n += g.poll();
    }
    for (auto& [vf, s] : sinks_) n += s->poll();
    return n;
  }
  /// Stops the generators, ticks until nothing moves, then checks each flow: every frame its
  /// generator sent arrived once, in order, none late. Returns the frames sent in all.
  uint64_t finish() {
    sending_ = false;
    for (unsigned idle = 0, i = 0; idle < 3; ++i) {
      REQUIRE(i < 10000);
      const uint64_t before = received();
      r_.tick();
      idle = received() == before ? idle + 1 : 0;
    }
    uint64_t sent = 0;
    for (size_t k = 0; k < gens_.size(); ++k) {
      const auto& [from, to] = pairs_[k];
      const harness::apps::FlowCounters& f = sinks_.at(to)->flow(static_cast<uint16_t>(from));
      INFO("flow " << from << " -> " << to);
      CHECK(gens_[k].counters().sent > 0);
      CHECK(f.received == gens_[k].counters().sent);
      CHECK(f.lost == 0);
      CHECK(f.reordered == 0);
      CHECK(f.duplicate == 0);
      sent += gens_[k].counters().sent;
    }
    return sent;
  }
  harness::apps::Sink& sink(unsigned vf) { return *sinks_.at(vf); }
  /// Frames the generators sent towards guest `to` so far.
  uint64_t sent_to(unsigned to) const {
    uint64_t n = 0;
    for (size_t k = 0; k < gens_.size(); ++k) n += pairs_[k].second == to ? gens_[k].counters().sent : 0;
    return n;
  }

 private:
  uint64_t received() const {
    uint64_t n = 0;
    for (const auto& [vf, s] : sinks_) n += s->counters().all.received + s->counters().bad;
    return n;
  }
  RogueRig& r_;
  std::vector<std::pair<unsigned, unsigned>> pairs_;
  std::map<unsigned, std::unique_ptr<harness::VfPort>> ports_;
  std::vector<harness::apps::TrafficGen> gens_;
  std::map<unsigned, std::unique_ptr<harness::apps::Sink>> sinks_;
  bool sending_ = true;
};

/// Every copy the switch sent to `pool`, however it ended: written into one of the pool's RX
/// rings or dropped there (queue disabled, no descriptor, DMA fault), over all its queues. The
/// frame tap shows only the written ones; this sees a copy a pool without a running queue (the
/// PF's, a stopped VF's) was given too.
inline uint64_t pool_rx_copies(RogueRig& r, unsigned pool) {
  const unsigned qpp = r.pf.queues_per_pool();
  uint64_t n = 0;
  for (unsigned q = pool * qpp; q < (pool + 1) * qpp; ++q) {
    const sim::QueueCounters c = r.dev->queue_counters(hal::QueueId(q));
    n += c.rx_packets + c.rx_queue_disabled + c.rx_no_descriptor + c.rx_dma_faults;
  }
  return n;
}

/// pool_rx_copies of every pool the VT mode has (the PF's included), by pool.
inline std::vector<uint64_t> all_pool_rx_copies(RogueRig& r) {
  std::vector<uint64_t> out;
  for (unsigned p = 0; p < hal::ixgbe::pf::kNumQueues / r.pf.queues_per_pool(); ++p) {
    out.push_back(pool_rx_copies(r, p));
  }
  return out;
}

/// The rogue posts `words`, the PF runs one pass; the PF's answer, if it gave one.
inline std::optional<harness::rogue::MailboxWords> ask(RogueRig& r, harness::rogue::RogueVf& rogue,
                                                       std::span<const uint32_t> words) {
  rogue.post(words);
  r.tick();
  return rogue.take_message();
}

/// The rogue's VF_RESET (answered with its administrator's MAC when one is set) and
/// API_NEGOTIATE(1.3), done the rogue's way: afterwards its VFTE/VFRE bits are set and it may
/// transmit.
inline void admit(RogueRig& r, harness::rogue::RogueVf& rogue) {
  const uint32_t reset[] = {static_cast<uint32_t>(mbx::MsgId::kReset)};
  auto m = ask(r, rogue, reset);
  REQUIRE(m.has_value());
  REQUIRE(mbx::word0::id((*m)[0]) == static_cast<uint16_t>(mbx::MsgId::kReset));
  const mbx::Message neg = mbx::ApiNegotiateReq{.api = mbx::Api::k13}.encode();
  m = ask(r, rogue, neg.words());
  REQUIRE(m.has_value());
  REQUIRE(((*m)[0] & mbx::word0::kAck) != 0);
}

inline const hal::MacAddr kBroadcast({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});

/// The bytes the rogue's crafted frames carry after their headers: what the tap looks for.
inline const std::vector<uint8_t> kRogueMarker = {'R', 'O', 'G', 'U', 'E', '-', 'F', 'R', 'A', 'M', 'E', '!'};

/// A frame: `dst`, `src`, then each (TPID, TCI) of `tags` in order (outer first), ethertype
/// 0x88B5 (local experimental: not a probe, so sinks count it as `bad`), `marker`, padded to
/// 64 bytes.
inline std::vector<uint8_t> craft(const hal::MacAddr& dst, const hal::MacAddr& src,
                                  std::vector<std::pair<uint16_t, uint16_t>> tags = {},
                                  const std::vector<uint8_t>& marker = kRogueMarker) {
  std::vector<uint8_t> b;
  for (unsigned i = 0; i < 6; ++i) b.push_back(dst[i]);
  for (unsigned i = 0; i < 6; ++i) b.push_back(src[i]);
  auto be16 = [&](uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
  };
  for (const auto& [tpid, tci] : tags) {
    be16(tpid);
    be16(tci);
  }
  be16(0x88B5);
  b.insert(b.end(), marker.begin(), marker.end());
  if (b.size() < 64) b.resize(64, 0);
  return b;
}

/// Every frame the device shows at any tap point that carries `marker` anywhere in its bytes,
/// kept per point and pool. Installed on construction, removed on destruction.
class MarkerTap {
 public:
  MarkerTap(sim::Device82599& dev, std::vector<uint8_t> marker = kRogueMarker)
      : dev_(dev), marker_(std::move(marker)) {
    dev_.set_frame_tap([this](const sim::TapFrame& f) {
      const auto* p = reinterpret_cast<const uint8_t*>(f.bytes.data());
      const std::span<const uint8_t> bytes(p, f.bytes.size());
      if (std::search(bytes.begin(), bytes.end(), marker_.begin(), marker_.end()) == bytes.end()) return;
      frames_[{f.point, f.pool}].emplace_back(bytes.begin(), bytes.end());
    });
  }
  ~MarkerTap() { dev_.set_frame_tap(nullptr); }
  MarkerTap(const MarkerTap&) = delete;
  MarkerTap& operator=(const MarkerTap&) = delete;

  /// Frames with the marker at `point` for `pool` (the wire points use pool 0).
  const std::vector<std::vector<uint8_t>>& at(sim::TapPoint point, unsigned pool = 0) const {
    static const std::vector<std::vector<uint8_t>> none;
    auto it = frames_.find({point, pool});
    return it == frames_.end() ? none : it->second;
  }
  /// How many frames with the marker were written into any RX ring but `pool`'s.
  size_t received_outside(unsigned pool) const {
    size_t n = 0;
    for (const auto& [k, v] : frames_) n += k.first == sim::TapPoint::kPoolRx && k.second != pool ? v.size() : 0;
    return n;
  }
  size_t received_anywhere() const { return received_outside(256); }

 private:
  sim::Device82599& dev_;
  std::vector<uint8_t> marker_;
  std::map<std::pair<sim::TapPoint, unsigned>, std::vector<std::vector<uint8_t>>> frames_;
};

/// The frames all kSpoofedFrames events report (the count each one's reason starts with).
inline uint64_t spoofed_frames_reported(const pf::PfDriver& pf) {
  uint64_t total = 0;
  const pf::EventLog& log = pf.events();
  REQUIRE(log.dropped() == 0);  // every event still held: the sum is complete
  for (size_t i = 0; i < log.size(); ++i) {
    if (log[i].code != pf::EventCode::kSpoofedFrames) continue;
    const std::string text(log[i].reason.view());
    const size_t at = text.find_first_of("0123456789");
    if (at != std::string::npos) total += std::stoull(text.substr(at));
  }
  return total;
}

/// The accounting invariant, with the summary on failure.
inline void check_accounting(RogueRig& r) {
  const sim::Accounting a = r.dev->accounting();
  INFO(a.summary());
  CHECK(a.check().empty());
}

}  // namespace roguetest
