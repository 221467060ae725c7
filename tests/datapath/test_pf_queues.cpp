// The PF's default pool: how the PF driver programs it (registers), and the host's own data path
// on it (pf::HostQueues = dp::RxQueue/TxQueue on the PF's absolute queues) against the
// simulated 82599: to and from VFs through the VEB, to and from the wire, DMA isolation, and
// what happens when the VT mode changes or the PF resets. The engine is stepped by hand.

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "datapath_rig.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/engine.hpp"
#include "hal/sim/wire_port.hpp"
#include "pf_driver/host_queues.hpp"

using namespace vftest;
namespace reg = hal::ixgbe::pf;

namespace {

constexpr uint16_t kRing = 64;
const hal::MacAddr kBroadcast({0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
const hal::MacAddr kWirePeer({0x02, 0x00, 0x00, 0x00, 0x77, 0x01});

/// The host's side of the PF: a pool mapped into the PF's DMA domain and the HostQueues on the
/// default pool. Members go bottom-up: queues, mapping, pool. Must die before the rig.
struct PfHost {
  PfHost(PfRig& rig, bool map = true) : rig_(rig), pool(make_pool(DatapathRig::kPoolSize)) {
    if (map) {
      auto m = dp::DmaMapping::map_mempool(rig.dev->pf().dma(), *pool);
      INFO((m ? std::string() : fmt::format("{}", m.error())));
      REQUIRE(m.has_value());
      mapping = std::move(*m);
    }
  }
  /// Opens the host queues; required to succeed.
  void open(unsigned pairs = 0) {
    q.reset();
    pf::HostQueueOptions o;
    o.ring_size = kRing;
    o.pairs = pairs;
    auto h = pf::HostQueues::open(rig_.pf, rig_.dev->pf(), pool.get(), o);
    INFO((h ? std::string() : fmt::format("{}", h.error())));
    REQUIRE(h.has_value());
    q.emplace(std::move(*h));
  }
  unsigned avail() const { return rte_mempool_avail_count(pool.get()); }

  PfRig& rig_;
  MempoolPtr pool;
  dp::DmaMapping mapping;
  std::optional<pf::HostQueues> q;
};

/// Offers `frames` (built from `mp`) in one tx_burst on `tx`; frees what it did not take.
uint16_t send_frames(dp::TxQueue& tx, rte_mempool* mp, const std::vector<std::vector<uint8_t>>& frames) {
  std::vector<rte_mbuf*> pkts;
  for (const auto& f : frames) pkts.push_back(make_mbuf(mp, f));
  const uint16_t took = tx.tx_burst(pkts.data(), static_cast<uint16_t>(pkts.size()));
  for (size_t k = took; k < pkts.size(); ++k) rte_pktmbuf_free(pkts[k]);
  return took;
}

/// `count` frames dst <- src, numbered from `seq`, of varied lengths.
std::vector<std::vector<uint8_t>> frames(const hal::MacAddr& dst, const hal::MacAddr& src,
                                         unsigned count, uint32_t seq) {
  std::vector<std::vector<uint8_t>> out;
  for (unsigned k = 0; k < count; ++k) out.push_back(frame_bytes(dst, src, 60 + (seq + k) * 37 % 1455, seq + k));
  return out;
}

/// Everything `rx` has received, as bytes; the mbufs are freed.
std::vector<std::vector<uint8_t>> drain(dp::RxQueue& rx) {
  std::vector<std::vector<uint8_t>> out;
  std::array<rte_mbuf*, kBurst> b{};
  for (uint16_t n; (n = rx.rx_burst(b.data(), kBurst)) != 0;) {
    for (uint16_t k = 0; k < n; ++k) {
      out.push_back(mbuf_bytes(b[k]));
      rte_pktmbuf_free(b[k]);
    }
  }
  return out;
}

/// Everything the host received on any of its queues (RSS may spread flows over the pool's
/// queues), in sequence-number order (frame_bytes puts it after the header).
std::vector<std::vector<uint8_t>> drain_host(pf::HostQueues& h) {
  std::vector<std::vector<uint8_t>> out;
  for (unsigned i = 0; i < h.size(); ++i) {
    auto got = drain(h.rx(i));
    out.insert(out.end(), got.begin(), got.end());
  }
  auto seq = [](const std::vector<uint8_t>& f) {
    uint32_t s = 0;
    for (unsigned i = 0; i < 4 && 14 + i < f.size(); ++i) s |= uint32_t{f[14 + i]} << (8 * i);
    return s;
  };
  std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return seq(a) < seq(b); });
  return out;
}

void check_accounting(PfRig& rig) {
  const sim::Accounting a = rig.dev->accounting();
  INFO(a.summary());
  CHECK(a.check() == "");
}

/// The rig's own MemoryWire, installed fresh so that nothing else has used it.
std::shared_ptr<sim::MemoryWire> fresh_wire(PfRig& rig) {
  auto w = std::make_shared<sim::MemoryWire>();
  rig.dev->set_wire(w);
  return w;
}

/// The default pool's registers, as the PF driver must leave them for host traffic.
void check_pool_registers(PfRig& rig, unsigned pool, unsigned queues_per_pool) {
  INFO("pool " << pool);
  CHECK(rig.pf.default_pool() == pool);
  CHECK(rig.has_mac_filter(kPfMac, pool));
  CHECK(rig.bar().read(reg::MPSAR_LO(0)) == (pool < 32 ? reg::pool_bit(pool) : 0u));
  CHECK(rig.bar().read(reg::MPSAR_HI(0)) == (pool >= 32 ? reg::pool_bit(pool) : 0u));
  if (queues_per_pool == 0) {
    CHECK(rig.bar().read(reg::VT_CTL) == 0);  // no VT: DEF_PL 0, every wire frame to pool 0
    return;
  }
  const uint32_t vt = rig.bar().read(reg::VT_CTL);
  CHECK((vt & reg::vt_ctl::kVtEnable) != 0);
  CHECK((vt & reg::vt_ctl::kReplEn) != 0);
  CHECK((vt & reg::vt_ctl::kDisDefPl) == 0);
  CHECK((vt & reg::vt_ctl::kDefPlMask) >> reg::vt_ctl::kDefPlShift == pool);
  CHECK((rig.bar().read(reg::VFRE(reg::pool_reg_index(pool))) & reg::pool_bit(pool)) != 0);
  CHECK((rig.bar().read(reg::VFTE(reg::pool_reg_index(pool))) & reg::pool_bit(pool)) != 0);
  CHECK(rig.bar().read(reg::VMOLR(pool)) == (reg::vmolr::kAupe | reg::vmolr::kBam | reg::vmolr::kRompe));
  CHECK(rig.vlan_has(0, pool));
  // No anti-spoofing on the PF's own pool: it may send from any address it likes.
  CHECK((rig.bar().read(reg::PFVFSPOOF(reg::pfvfspoof::reg_index(pool))) &
         (reg::pfvfspoof::mac_bit(pool) | reg::pfvfspoof::vlan_bit(pool))) == 0);
  const uint32_t rqpl = (rig.bar().read(reg::PSRTYPE(pool)) & reg::psrtype::kRqplMask) >>
                        reg::psrtype::kRqplShift;
  CHECK((1u << rqpl) == queues_per_pool);
}

}  // namespace

/// Four frames from the host's queue 0 to the wire and four from the wire back to the host.
void wire_round_trip(PfRig& rig, PfHost& host, sim::MemoryWire& wire) {
  wire.clear_sent();
  const auto out = frames(kWirePeer, kPfMac, 4, 0);
  REQUIRE(send_frames(host.q->tx(0), host.pool.get(), out) == 4);
  const auto in = frames(kPfMac, kWirePeer, 4, 10);
  for (const auto& f : in) wire.inject(f);
  rig.dev->poll_once();
  CHECK(wire.sent() == out);
  CHECK(drain_host(*host.q) == in);
}

TEST_CASE("dp queue layouts name the VF-relative and the PF's absolute queue registers",
          "[datapath][pfpool]") {
  namespace vfr = hal::ixgbe::vf;
  const dp::RxQueueRegs vrx = *dp::vf_rx_regs(hal::QueueId{3});
  CHECK(vrx.index == 3);
  CHECK(vrx.rdt == vfr::VFRDT(3));
  CHECK(vrx.rxdctl == vfr::VFRXDCTL(3));
  const dp::TxQueueRegs vtx = *dp::vf_tx_regs(hal::QueueId{7});
  CHECK(vtx.tdt == vfr::VFTDT(7));
  CHECK(vtx.tdwbah == vfr::VFTDWBAH(7));
  // Queues 64 and up keep their RX registers in the second block.
  const dp::RxQueueRegs prx = *dp::pf_rx_regs(80);
  CHECK(prx.index == 80);
  CHECK(prx.rdbal == reg::RDBAL(80));
  CHECK(prx.srrctl == reg::SRRCTL(80));
  CHECK(prx.rdt == reg::RDT(80));
  CHECK(prx.rdt.offset - prx.rdbal.offset == vrx.rdt.offset - vrx.rdbal.offset);
  CHECK(prx.rdbal.offset > reg::RDBAL(63).offset + 0x40);
  const dp::TxQueueRegs ptx = *dp::pf_tx_regs(127);
  CHECK(ptx.tdt == reg::TDT(127));
  CHECK(ptx.tdwbal == reg::TDWBAL(127));
  CHECK_FALSE(dp::vf_rx_regs(hal::QueueId{8}).has_value());
  CHECK_FALSE(dp::vf_tx_regs(hal::QueueId{8}).has_value());
  CHECK_FALSE(dp::pf_rx_regs(128).has_value());
  CHECK_FALSE(dp::pf_tx_regs(128).has_value());
}

TEST_CASE("the PF programs its default pool for host traffic in every VT mode", "[datapath][pfpool]") {
  SECTION("no VFs: no VT, pool 0, queue 0") {
    PfRig rig(pf_options());
    CHECK(rig.pf.host_queues().empty());  // before init
    rig.up(0);
    check_pool_registers(rig, 0, 0);
    CHECK(rig.pf.host_queues() == pf::QueueRange{0, 1});
  }
  SECTION("2 VFs: 32 pools x 4 queues, the PF in pool 2 on queues 8..11") {
    PfRig rig(pf_options());
    rig.up(2);
    check_pool_registers(rig, 2, 4);
    CHECK(rig.pf.host_queues() == pf::QueueRange{8, 4});
  }
  SECTION("40 VFs: 64 pools x 2 queues, the PF in pool 40 on queues 80..81") {
    PfRig rig(pf_options());
    rig.up(40);
    check_pool_registers(rig, 40, 2);
    CHECK(rig.pf.host_queues() == pf::QueueRange{80, 2});
  }
  SECTION("back to no VFs: the old pool's filters are gone") {
    PfRig rig(pf_options());
    rig.up(2);
    REQUIRE(rig.pf.set_num_vfs(0).has_value());
    check_pool_registers(rig, 0, 0);
    CHECK(rig.bar().read(reg::VMOLR(2)) == 0);
    CHECK(rig.bar().read(reg::PSRTYPE(2)) == 0);
    CHECK(rig.pf.host_queues() == pf::QueueRange{0, 1});
  }
}

TEST_CASE("PF TX reaches a VF's RX and VF TX reaches the PF's RX through the VEB",
          "[datapath][pfpool]") {
  DatapathRig rig(kRing, 2);
  auto wire = fresh_wire(rig);
  PfHost host(rig);
  host.open();
  REQUIRE(host.q->size() == 4);
  CHECK(host.q->pool() == 2);
  CHECK(host.q->queues() == pf::QueueRange{8, 4});
  CHECK(host.q->rx(0).queue() == hal::QueueId{8});
  CHECK(host.q->tx(3).queue() == hal::QueueId{11});

  // PF -> VF1, from the PF's second queue: the frame leaves the PF's pool and stays local.
  const auto to_vf = frames(rig.mac(1), kPfMac, kBurst, 0);
  REQUIRE(send_frames(host.q->tx(1), host.pool.get(), to_vf) == kBurst);
  CHECK(rig.dev->poll_once() == kBurst);
  std::vector<std::vector<uint8_t>> got;
  std::array<rte_mbuf*, kBurst> b{};
  for (uint16_t n; (n = rig.ports[1].rx->rx_burst(b.data(), kBurst)) != 0;) {
    for (uint16_t k = 0; k < n; ++k) {
      got.push_back(mbuf_bytes(b[k]));
      rte_pktmbuf_free(b[k]);
    }
  }
  CHECK(got == to_vf);
  CHECK(drain(*rig.ports[0].rx).empty());

  // VF0 -> PF.
  const auto to_pf = frames(kPfMac, rig.mac(0), kBurst, 100);
  REQUIRE(send_frames(*rig.ports[0].tx, rig.ports[0].pool.get(), to_pf) == kBurst);
  CHECK(rig.dev->poll_once() == kBurst);
  CHECK(drain_host(*host.q) == to_pf);
  CHECK(drain(*rig.ports[1].rx).empty());

  CHECK(wire->sent().empty());  // all of it was switched inside the NIC
  CHECK(rig.dev->dma_fault_count() == 0);
  check_accounting(rig);
}

TEST_CASE("broadcast from a VF reaches the PF's pool and the other VFs, and one from the PF every VF",
          "[datapath][pfpool]") {
  DatapathRig rig(kRing, 2);
  auto wire = fresh_wire(rig);
  PfHost host(rig);
  host.open();

  const auto from_vf = frames(kBroadcast, rig.mac(0), 1, 7);
  REQUIRE(send_frames(*rig.ports[0].tx, rig.ports[0].pool.get(), from_vf) == 1);
  rig.dev->poll_once();
  CHECK(drain_host(*host.q) == from_vf);
  CHECK(drain(*rig.ports[1].rx) == from_vf);
  CHECK(drain(*rig.ports[0].rx).empty());  // never back to its source
  REQUIRE(wire->sent().size() == 1);        // and out on the wire
  CHECK(wire->sent()[0] == from_vf[0]);

  const auto from_pf = frames(kBroadcast, kPfMac, 1, 8);
  REQUIRE(send_frames(host.q->tx(0), host.pool.get(), from_pf) == 1);
  rig.dev->poll_once();
  CHECK(drain(*rig.ports[0].rx) == from_pf);
  CHECK(drain(*rig.ports[1].rx) == from_pf);
  CHECK(drain_host(*host.q).empty());
  CHECK(wire->sent().size() == 2);
  check_accounting(rig);
}

TEST_CASE("without VFs the PF sends and receives on queue 0 to and from the wire", "[datapath][pfpool]") {
  DatapathRig rig(kRing, 0);
  auto wire = fresh_wire(rig);
  PfHost host(rig);
  host.open();
  REQUIRE(host.q->size() == 1);
  CHECK(host.q->queues() == pf::QueueRange{0, 1});
  CHECK(host.q->pool() == 0);

  const auto out = frames(kWirePeer, kPfMac, kBurst, 0);
  REQUIRE(send_frames(host.q->tx(0), host.pool.get(), out) == kBurst);
  CHECK(rig.dev->poll_once() == kBurst);
  CHECK(wire->sent() == out);

  const auto in = frames(kPfMac, kWirePeer, 20, 50);
  for (const auto& f : in) wire->inject(f);
  rig.dev->poll_once();
  CHECK(drain_host(*host.q) == in);
  CHECK(host.q->tx(0).cleanup() > 0);  // the sent mbufs come back
  check_accounting(rig);
}

TEST_CASE("in 64-pool mode the PF's queues 80 and 81 carry wire traffic through the second RX block",
          "[datapath][pfpool]") {
  require_eal();
  PfRig rig(pf_options());
  rig.up(40);
  auto wire = fresh_wire(rig);
  PfHost host(rig);
  host.open();
  REQUIRE(host.q->queues() == pf::QueueRange{80, 2});
  CHECK(host.q->rx(0).regs().rdt == reg::RDT(80));

  const auto in = frames(kPfMac, kWirePeer, 10, 0);
  for (const auto& f : in) wire->inject(f);
  rig.dev->poll_once();
  CHECK(drain_host(*host.q) == in);

  // Unknown unicast from the PF's pool: out on the wire (VEB loopback only keeps local DAs).
  const auto out = frames(kWirePeer, kPfMac, 10, 100);
  REQUIRE(send_frames(host.q->tx(1), host.pool.get(), out) == 10);
  rig.dev->poll_once();
  CHECK(wire->sent() == out);
  check_accounting(rig);
}

TEST_CASE("PF queue DMA outside the PF's domain faults and stops the queue", "[datapath][pfpool]") {
  DatapathRig rig(kRing, 2);
  fresh_wire(rig);

  SECTION("TX: an mbuf from a VF's pool is not the PF's memory") {
    PfHost host(rig);
    host.open(1);
    const auto f = frames(kWirePeer, kPfMac, 1, 0);
    REQUIRE(send_frames(host.q->tx(0), rig.ports[0].pool.get(), f) == 1);
    rig.dev->poll_once();
    const auto faults = rig.dev->dma_faults();
    REQUIRE(faults.size() == 1);
    CHECK(faults[0].function == -1);
    CHECK(faults[0].queue == 8);
    CHECK(faults[0].kind == sim::DmaFaultKind::kTxBuffer);
    CHECK_FALSE(host.q->tx(0).enabled());
    CHECK(host.q->rx(0).enabled());
  }
  SECTION("RX: a ring filled from a pool that was never mapped") {
    PfHost host(rig, /*map=*/false);
    host.open();  // every queue of the pool: whichever one RSS picks has the unmapped buffers
    const auto f = frames(kPfMac, rig.mac(0), 1, 0);
    REQUIRE(send_frames(*rig.ports[0].tx, rig.ports[0].pool.get(), f) == 1);
    rig.dev->poll_once();
    const auto faults = rig.dev->dma_faults();
    REQUIRE(faults.size() == 1);
    CHECK(faults[0].function == -1);
    REQUIRE(host.q->queues().contains(faults[0].queue));
    CHECK(faults[0].kind == sim::DmaFaultKind::kRxBuffer);
    CHECK_FALSE(host.q->rx(faults[0].queue - host.q->queues().first).enabled());
    CHECK(drain_host(*host.q).empty());
  }
  check_accounting(rig);
}

TEST_CASE("set_num_vfs is refused while host queues are open, and the pool moves once they close",
          "[datapath][pfpool]") {
  require_eal();
  PfRig rig(pf_options());
  rig.up(0);
  auto wire = fresh_wire(rig);
  PfHost host(rig);
  const unsigned full = host.avail();
  host.open();
  REQUIRE(host.q->queues() == pf::QueueRange{0, 1});

  auto busy = rig.pf.set_num_vfs(2);
  REQUIRE_FALSE(busy.has_value());
  CHECK(busy.error().code == pf::ErrorCode::kBusy);
  CHECK(rig.pf.num_vfs() == 0);
  CHECK_FALSE(host.q->stale());

  host.q.reset();
  CHECK(host.avail() == full);
  REQUIRE(rig.pf.set_num_vfs(2).has_value());
  host.open();
  REQUIRE(host.q->queues() == pf::QueueRange{8, 4});
  wire_round_trip(rig, host, *wire);

  host.q.reset();
  REQUIRE(rig.pf.set_num_vfs(0).has_value());
  host.open();
  REQUIRE(host.q->queues() == pf::QueueRange{0, 1});
  wire_round_trip(rig, host, *wire);
  check_accounting(rig);
}

TEST_CASE("after a PF reset the host queues are stale and new ones carry traffic", "[datapath][pfpool]") {
  require_eal();
  PfRig rig(pf_options());
  rig.up(2);
  auto wire = fresh_wire(rig);
  PfHost host(rig);
  const unsigned full = host.avail();
  host.open();
  CHECK_FALSE(host.q->stale());

  REQUIRE(rig.pf.reset().has_value());
  CHECK(host.q->stale());
  CHECK_FALSE(host.q->rx(0).enabled());  // CTRL.RST wiped the queue
  CHECK_FALSE(host.q->tx(0).enabled());
  check_pool_registers(rig, 2, 4);       // the pool itself is programmed again

  host.open();  // destroys the stale queues first
  CHECK_FALSE(host.q->stale());
  CHECK(host.q->queues() == pf::QueueRange{8, 4});
  wire_round_trip(rig, host, *wire);
  host.q.reset();
  CHECK(host.avail() == full);
  check_accounting(rig);
}

TEST_CASE("opening host queues is refused before init and past the pool's queues", "[datapath][pfpool]") {
  require_eal();
  PfRig rig(pf_options());
  PfHost host(rig);
  auto code = [](const auto& r) { return r ? std::optional<dp::QueueErrc>() : r.error().code; };
  CHECK(code(pf::HostQueues::open(rig.pf, rig.dev->pf(), host.pool.get())) == dp::QueueErrc::kNotReady);
  rig.up(2);
  pf::HostQueueOptions o;
  o.ring_size = kRing;
  o.pairs = 5;
  CHECK(code(pf::HostQueues::open(rig.pf, rig.dev->pf(), host.pool.get(), o)) ==
        dp::QueueErrc::kInvalidArgument);
  o.pairs = 1;
  o.ring_size = 48;
  CHECK(code(pf::HostQueues::open(rig.pf, rig.dev->pf(), host.pool.get(), o)) ==
        dp::QueueErrc::kInvalidArgument);
  // A failed open holds no lease: the VF count can still change.
  REQUIRE(rig.pf.set_num_vfs(0).has_value());
  host.open(1);
  CHECK(host.q->size() == 1);
}
