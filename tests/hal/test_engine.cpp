// The simulated 82599's device engine: TX rings -> VEB -> RX rings and the wire, stepped with
// poll_once() and driven by raw register writes and hand-written descriptors.

#include <algorithm>

#include <catch2/catch.hpp>

#include "test_engine_fixture.hpp"

using test::Bytes;
using test::EngineRig;
using test::make_frame;
using test::require_accounts;
using test::vf_mac;
namespace ix = hal::ixgbe;
namespace pfr = hal::ixgbe::pf;
namespace vfr = hal::ixgbe::vf;

namespace {

/// The absolute RX/TX queue 0 of VF `vf` in 64-pool mode (2 queues per pool).
hal::QueueId q0(unsigned vf) { return hal::QueueId{vf * 2}; }

}  // namespace

TEST_CASE("VF-to-VF unicast is looped back by the VEB with VT_LBEN set", "[engine]") {
  EngineRig rig;
  rig.setup_all();
  const Bytes f = make_frame(vf_mac(1), vf_mac(0), 128, 7);
  rig.send(0, f);
  REQUIRE(rig.run() == 1);

  const auto got = rig.receive(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].bytes == f);
  CHECK((got[0].status & ix::rxd_stat::kEop) != 0);
  CHECK((got[0].status & ix::rxd_stat::kLb) != 0);
  CHECK((got[0].status & ix::rxd_stat::kVp) == 0);
  CHECK(rig.bar(1).read(vfr::VFRDH(0)) == 1);
  CHECK(rig.bar(0).read(vfr::VFTDH(0)) == 1);
  CHECK((rig.tx_status(0, 0) & ix::txd_olinfo::kStaDd) != 0);
  CHECK(rig.wire->sent().empty());
  CHECK(rig.receive(0).empty());
  CHECK(rig.bar(1).read(vfr::VFGPRC) == 1);
  CHECK(rig.bar(0).read(vfr::VFGPTC) == 1);
  CHECK(rig.dev->accounting().delivered == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("VF-to-VF unicast leaves on the wire when VT_LBEN is clear", "[engine]") {
  EngineRig rig;
  rig.setup_all();
  rig.pf().write(pfr::PFDTXGSWC, 0);
  const Bytes f = make_frame(vf_mac(1), vf_mac(0), 64);
  rig.send(0, f);
  rig.run();
  CHECK(rig.receive(1).empty());
  REQUIRE(rig.wire->sent().size() == 1);
  CHECK(rig.wire->sent()[0] == f);
  require_accounts(*rig.dev);
}

TEST_CASE("A broadcast is replicated to every other pool and the wire", "[engine]") {
  EngineRig rig;
  rig.setup_all();
  const Bytes f = make_frame(test::kBroadcastMac, vf_mac(0), 60);
  rig.send(0, f);
  rig.run();
  CHECK(rig.receive(0).empty());
  for (unsigned v = 1; v < rig.n; ++v) {
    const auto got = rig.receive(v);
    REQUIRE(got.size() == 1);
    CHECK(got[0].bytes == f);
  }
  CHECK(rig.wire->sent().size() == 1);
  const sim::Accounting a = rig.dev->accounting();
  // 7 VFs + the wire; the PF's default pool has BAM clear so it takes no copy.
  CHECK(a.copies == rig.n);
  CHECK(a.delivered == rig.n - 1);
  require_accounts(*rig.dev);
}

TEST_CASE("Unknown unicast from a VF goes to the wire only", "[engine]") {
  EngineRig rig;
  rig.setup_all();
  const Bytes f = make_frame(test::kUnknownMac, vf_mac(2), 100);
  rig.send(2, f);
  rig.run();
  REQUIRE(rig.wire->sent().size() == 1);
  CHECK(rig.wire->sent()[0] == f);
  for (unsigned v = 0; v < rig.n; ++v) CHECK(rig.receive(v).empty());
  CHECK(rig.dev->accounting().to_wire == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("A frame from the wire reaches the VF whose address it carries", "[engine]") {
  EngineRig rig;
  rig.setup_all();
  const Bytes f = make_frame(vf_mac(3), test::kUnknownMac, 200, 3);
  rig.wire->inject(f);
  REQUIRE(rig.run() == 1);
  const auto got = rig.receive(3);
  REQUIRE(got.size() == 1);
  CHECK(got[0].bytes == f);
  CHECK((got[0].status & ix::rxd_stat::kLb) == 0);
  CHECK(rig.dev->accounting().offered_wire == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("TX and RX rings wrap past their end", "[engine]") {
  EngineRig rig(2, 8);  // 8-descriptor rings, the 82599's minimum
  rig.setup_tx(0);
  rig.setup_rx(1);
  rig.post_rx(1, 7);
  unsigned seq = 0;
  for (int round = 0; round < 5; ++round) {
    for (int k = 0; k < 5; ++k) rig.send(0, make_frame(vf_mac(1), vf_mac(0), 80, static_cast<uint8_t>(seq++)));
    rig.run();
    const auto got = rig.receive(1);
    REQUIRE(got.size() == 5);
    for (unsigned k = 0; k < 5; ++k) {
      CHECK(got[k].bytes == make_frame(vf_mac(1), vf_mac(0), 80, static_cast<uint8_t>(seq - 5 + k)));
    }
    rig.post_rx(1, 5);
  }
  CHECK(rig.bar(0).read(vfr::VFTDH(0)) == 25 % 8);
  CHECK(rig.bar(1).read(vfr::VFRDH(0)) == 25 % 8);
  require_accounts(*rig.dev);
}

TEST_CASE("A jumbo frame is chained over several 2 KiB RX buffers with EOP on the last", "[engine]") {
  EngineRig rig;
  rig.setup_all();
  const Bytes f = make_frame(vf_mac(1), vf_mac(0), 9000, 1);
  rig.send(0, f);
  rig.run();
  const auto got = rig.receive(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].descriptors == 5);  // 4 x 2048 + 808
  CHECK(got[0].bytes == f);
  CHECK(rig.bar(1).read(vfr::VFRDH(0)) == 5);
  CHECK(rig.dev->accounting().delivered == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("A frame over several TX descriptors is gathered, DD only where RS was set", "[engine]") {
  EngineRig rig;
  rig.setup_all();
  const Bytes f = make_frame(vf_mac(1), vf_mac(0), 3000, 9);
  rig.send(0, f, 3);
  REQUIRE(rig.run() == 1);
  const auto got = rig.receive(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].bytes == f);
  CHECK((rig.tx_status(0, 0) & ix::txd_olinfo::kStaDd) == 0);
  CHECK((rig.tx_status(0, 1) & ix::txd_olinfo::kStaDd) == 0);
  CHECK((rig.tx_status(0, 2) & ix::txd_olinfo::kStaDd) != 0);
  CHECK(rig.bar(0).read(vfr::VFTDH(0)) == 3);
  require_accounts(*rig.dev);
}

TEST_CASE("A chain without EOP waits for the rest of its descriptors", "[engine]") {
  EngineRig rig;
  rig.setup_all();
  const Bytes f = make_frame(vf_mac(1), vf_mac(0), 200);
  rig.send(0, f, 2);
  // Pull the tail back by one: the device sees only the first descriptor (no EOP).
  rig.bar(0).write(vfr::VFTDT(0), 1);
  CHECK(rig.run() == 0);
  CHECK(rig.bar(0).read(vfr::VFTDH(0)) == 0);
  rig.bar(0).write(vfr::VFTDT(0), 2);
  CHECK(rig.run() == 1);
  CHECK(rig.receive(1).size() == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("A full RX ring drops and counts rx_no_descriptor on its queue", "[engine]") {
  EngineRig rig;
  rig.setup_tx(0);
  rig.setup_rx(1);  // no descriptor given: RDH == RDT
  for (int k = 0; k < 3; ++k) rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64));
  rig.run();
  CHECK(rig.dev->queue_counters(q0(1)).rx_no_descriptor == 3);
  CHECK(rig.dev->accounting().rx_no_descriptor == 3);
  rig.post_rx(1, 4);
  rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64));
  rig.run();
  CHECK(rig.receive(1).size() == 1);
  CHECK(rig.dev->queue_counters(q0(1)).rx_packets == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("A TX buffer outside the VF's domain faults: queue stopped, nothing read or written", "[engine]") {
  EngineRig rig;
  rig.setup_all();
  std::vector<Bytes> before;
  for (auto& v : rig.vfs) before.push_back(v.mem);
  // VF 1's memory: mapped, but in VF 1's domain, not VF 0's.
  const uint64_t foreign = EngineRig::iova_base(1) + EngineRig::kRxBuf;
  rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64), 1, foreign);
  const Bytes ring_after_send = rig.vfs[0].mem;
  rig.run();

  CHECK((rig.bar(0).read(vfr::VFTXDCTL(0)) & ix::txdctl::kEnable) == 0);
  CHECK(rig.dev->queue_counters(q0(0)).tx_dma_faults == 1);
  REQUIRE(rig.dev->dma_fault_count() == 1);
  const sim::DmaFault fault = rig.dev->dma_faults().at(0);
  CHECK(fault.function == 0);
  CHECK(fault.queue == 0);
  CHECK(fault.kind == sim::DmaFaultKind::kTxBuffer);
  CHECK(fault.iova == foreign);
  CHECK(rig.vfs[0].mem == ring_after_send);  // no DD written back either
  for (unsigned v = 1; v < rig.n; ++v) CHECK(rig.vfs[v].mem == before[v]);
  CHECK(rig.dev->accounting().tx_dma_fault == 1);
  require_accounts(*rig.dev);

  // A stopped queue takes nothing more until software enables it again.
  rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64));
  CHECK(rig.run() == 0);
}

TEST_CASE("An RX buffer outside the VF's domain faults: RX queue stopped, nothing written", "[engine]") {
  EngineRig rig;
  rig.setup_tx(0);
  rig.setup_rx(1);
  rig.post_rx(1, 2, EngineRig::iova_base(0) + EngineRig::kRxBuf);  // VF 0's address
  std::vector<Bytes> before;
  for (auto& v : rig.vfs) before.push_back(v.mem);
  rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64));
  rig.run();
  CHECK((rig.bar(1).read(vfr::VFRXDCTL(0)) & ix::rxdctl::kEnable) == 0);
  CHECK(rig.dev->queue_counters(q0(1)).rx_dma_faults == 1);
  CHECK(rig.dev->dma_faults().at(0).kind == sim::DmaFaultKind::kRxBuffer);
  CHECK(rig.dev->dma_faults().at(0).function == 1);
  CHECK(rig.bar(1).read(vfr::VFRDH(0)) == 0);
  for (unsigned v = 1; v < rig.n; ++v) CHECK(rig.vfs[v].mem == before[v]);
  CHECK(rig.dev->accounting().rx_dma_fault == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("A TX ring outside the domain faults without offering a frame", "[engine]") {
  EngineRig rig;
  rig.setup_all();
  rig.bar(0).write(vfr::VFTDBAL(0), 0x100);  // nothing mapped there
  rig.bar(0).write(vfr::VFTDBAH(0), 0);
  rig.bar(0).write(vfr::VFTDT(0), 1);
  CHECK(rig.run() == 0);
  CHECK((rig.bar(0).read(vfr::VFTXDCTL(0)) & ix::txdctl::kEnable) == 0);
  CHECK(rig.dev->dma_faults().at(0).kind == sim::DmaFaultKind::kTxDescriptor);
  CHECK(rig.dev->accounting().offered() == 0);
  require_accounts(*rig.dev);
}

TEST_CASE("Head write-back stores TDH in memory instead of DD", "[engine]") {
  EngineRig rig;
  rig.setup_tx(0, /*head_wb=*/true);
  rig.setup_rx(1);
  rig.post_rx(1, 10);
  for (int k = 0; k < 3; ++k) rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64));
  rig.run();
  uint32_t head = 0;
  std::memcpy(&head, rig.host(0, EngineRig::kHeadWb), sizeof head);
  CHECK(head == 3);
  CHECK(rig.bar(0).read(vfr::VFTDH(0)) == 3);
  for (unsigned i = 0; i < 3; ++i) CHECK((rig.tx_status(0, i) & ix::txd_olinfo::kStaDd) == 0);
  CHECK(rig.receive(1).size() == 3);
  require_accounts(*rig.dev);
}

TEST_CASE("A tagged frame: VME strips the tag into the descriptor with VP", "[engine]") {
  EngineRig rig;
  rig.setup_tx(0);
  rig.setup_rx(1, 2, /*vme=*/true);
  rig.post_rx(1, 4);
  // VLAN 100 for pools 0 and 1.
  rig.pf().write(pfr::VLVF(0), 100 | pfr::vlvf::kVien);
  rig.pf().write(pfr::VLVFB(0), 0x3);
  const Bytes f = make_frame(vf_mac(1), vf_mac(0), 100, 0, 0x2064);
  rig.send(0, f);
  rig.run();
  const auto got = rig.receive(1);
  REQUIRE(got.size() == 1);
  CHECK((got[0].status & ix::rxd_stat::kVp) != 0);
  CHECK(got[0].vlan == 0x2064);
  Bytes untagged = f;
  untagged.erase(untagged.begin() + 12, untagged.begin() + 16);
  CHECK(got[0].bytes == untagged);
  require_accounts(*rig.dev);
}

TEST_CASE("The PF's queue in the default pool transmits through the PF's domain to a VF", "[engine]") {
  EngineRig rig;
  rig.setup_rx(2);
  rig.post_rx(2, 4);
  // The PF's pool is 8 (after the VFs); in 64-pool mode its first queue is absolute queue 16.
  constexpr unsigned kQ = 16;
  constexpr uint64_t kIova = 0x40000000;
  std::vector<uint8_t> mem(0x10000, 0);
  REQUIRE(rig.dev->pf().dma().map(hal::Iova(kIova), mem.data(), mem.size()));
  const Bytes f = make_frame(vf_mac(2), hal::MacAddr({0x02, 0, 0, 0, 0x0F, 0x0F}), 300, 4);
  std::memcpy(mem.data() + 0x1000, f.data(), f.size());
  ix::AdvTxRead d{kIova + 0x1000,
                  ix::tx_data_cmd_type_len(static_cast<uint16_t>(f.size()), ix::txd_cmd::kEop | ix::txd_cmd::kRs),
                  ix::tx_olinfo_paylen(static_cast<uint32_t>(f.size()))};
  std::memcpy(mem.data(), &d, sizeof d);
  rig.pf().write(pfr::TDBAL(kQ), static_cast<uint32_t>(kIova));
  rig.pf().write(pfr::TDBAH(kQ), 0);
  rig.pf().write(pfr::TDLEN(kQ), 8 * 16);
  rig.pf().write(pfr::TXDCTL(kQ), ix::txdctl::kEnable);
  rig.pf().write(pfr::TDT(kQ), 1);
  REQUIRE(rig.run() == 1);
  const auto got = rig.receive(2);
  REQUIRE(got.size() == 1);
  CHECK(got[0].bytes == f);
  CHECK((mem[12] & ix::txd_olinfo::kStaDd) != 0);
  CHECK(rig.dev->queue_counters(hal::QueueId{kQ}).tx_packets == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("A pool beyond the VT mode's pools owns no queue: copy counted, nothing indexed", "[engine]") {
  EngineRig rig;  // 64-pool mode: 2 queues per pool
  rig.setup_all();
  // 32-pool mode (4 queues a pool) and a pool-40 filter the PF should never program: pool 40
  // would be queue 160, past the 128 queues.
  rig.pf().write(pfr::GCR_EXT, pfr::gcr_ext::kVtMode32);
  rig.pf().write(pfr::VFRE(1), 1u << (40 - 32));
  rig.pf().write(pfr::VMOLR(40), pfr::vmolr::kAupe | pfr::vmolr::kBam);
  rig.wire->inject(make_frame(test::kBroadcastMac, test::kUnknownMac, 60));
  REQUIRE(rig.run() == 1);
  const sim::Accounting a = rig.dev->accounting();
  CHECK(a.rx_no_queue == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("Broadcast counts in VFGPRC but not in VFMPRC, multicast in both", "[engine]") {
  EngineRig rig;
  rig.setup_all();
  rig.pf().write(pfr::VMOLR(1), pfr::vmolr::kAupe | pfr::vmolr::kBam | pfr::vmolr::kMpe);
  rig.send(0, make_frame(test::kBroadcastMac, vf_mac(0), 60));
  rig.send(0, make_frame(*hal::MacAddr::parse("01:00:5e:00:00:01"), vf_mac(0), 60));
  rig.run();
  CHECK(rig.bar(1).read(vfr::VFGPRC) == 2);
  CHECK(rig.bar(1).read(vfr::VFMPRC) == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("A spoofed frame the switch drops is not a good transmitted packet", "[engine]") {
  EngineRig rig;
  rig.setup_all();
  rig.pf().write(pfr::PFVFSPOOF(0), pfr::pfvfspoof::mac_bit(2));
  rig.send(2, make_frame(vf_mac(1), test::kUnknownMac, 60));  // source is not VF 2's MAC
  rig.send(2, make_frame(vf_mac(1), vf_mac(2), 60));
  rig.run();
  CHECK(rig.dev->accounting().switch_drop(sim::DropReason::kMacSpoof) == 1);
  CHECK(rig.bar(2).read(vfr::VFGPTC) == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("SSVPC counts spoofed frames of pools with VMECM set, and clears on read", "[engine]") {
  EngineRig rig;
  rig.setup_all();
  rig.pf().write(pfr::PFVFSPOOF(0), pfr::pfvfspoof::mac_bit(2) | pfr::pfvfspoof::mac_bit(3));
  // Pool 3 spoofs too, but without VMECM its drops are not counted in SSVPC.
  rig.pf().write(pfr::VMECM(0), pfr::pool_bit(2));
  rig.send(2, make_frame(vf_mac(1), test::kUnknownMac, 60));
  rig.send(2, make_frame(vf_mac(1), test::kUnknownMac, 60));
  rig.send(3, make_frame(vf_mac(1), test::kUnknownMac, 60));
  rig.send(2, make_frame(vf_mac(1), vf_mac(2), 60));  // its own MAC: not a violation
  rig.run();
  CHECK(rig.dev->accounting().switch_drop(sim::DropReason::kMacSpoof) == 3);
  CHECK(rig.pf().read(pfr::SSVPC) == 2);
  CHECK(rig.pf().read(pfr::SSVPC) == 0);
  require_accounts(*rig.dev);
}
