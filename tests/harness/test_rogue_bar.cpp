// A rogue guest reaching for what is not its own (issue 5, docs/reliability.md): its
// hal::PciFunction maps its own 16 KiB BAR0, config space and DMA domain and nothing else.
// Accesses past its BAR or misaligned are dropped (reads: all-ones), queue register slots
// beyond its pool's queues reach no other pool's queues, and nothing it writes to its config
// space reaches the PF's.
#include "hal/ixgbe/queue_regs.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "hal/pci_regs.hpp"
#include "test_rogue_rig.hpp"

using namespace roguetest;
using harness::rogue::RogueVf;
namespace vfr = hal::ixgbe::vf;
namespace pfr = hal::ixgbe::pf;

namespace {

constexpr unsigned kNoPool = 63;  // snapshot everything: no pool of this rig is masked out

/// Offsets a rogue would try: right past its BAR, where the next VF's BAR would follow, the
/// PF's filter, switch and pool registers, the end of the PF's BAR, and beyond.
std::vector<uint32_t> outside_offsets() {
  std::vector<uint32_t> o;
  for (uint32_t off = vfr::kBarSize; off < vfr::kBarSize + 0x400; off += 4) o.push_back(off);
  for (unsigned vf = 1; vf < 4; ++vf) {
    o.push_back(vf * vfr::kBarSize + vfr::VFMBMEM(0).offset);
    o.push_back(vf * vfr::kBarSize + vfr::VFTDBAL(0).offset);
    o.push_back(vf * vfr::kBarSize + vfr::VFTDT(0).offset);
    o.push_back(vf * vfr::kBarSize + vfr::VFMAILBOX.offset);
  }
  for (const hal::Reg32 r :
       {pfr::RAL(0), pfr::RAH(0), pfr::MPSAR_LO(0), pfr::VT_CTL, pfr::VFRE(0), pfr::VFTE(0),
        pfr::PFVFSPOOF(0), pfr::VMOLR(0), pfr::VMVIR(0), pfr::MTA(0), pfr::VFTA(0), pfr::VLVF(0),
        pfr::MRQC, pfr::TDBAL(0), pfr::RDBAL(64)}) {
    o.push_back(r.offset);
  }
  o.push_back(pfr::kBarSize - 4);
  o.push_back(pfr::kBarSize);
  o.push_back(0xFFFFFFFCu);
  return o;
}

}  // namespace

TEST_CASE("a rogue's handle maps only its own BAR: past it, reads are all-ones and writes dropped",
          "[harness][rogue][isolation]") {
  RogueRig r(4);
  for (unsigned v : {0u, 1u, 3u}) r.add_guest(v);
  RogueVf rogue(r.function(kRogue));
  const Snapshot before = snapshot(r, kNoPool);
  for (uint32_t off : outside_offsets()) {
    INFO("offset " << std::hex << off);
    CHECK(rogue.read32(off) == hal::kDeviceGone);
    rogue.write32(off, 0xFFFFFFFFu);
    rogue.write32(off, 0);
    CHECK(rogue.read32(off) == hal::kDeviceGone);
  }
  // Misaligned accesses inside its BAR are dropped too.
  for (uint32_t off : {vfr::VFMBMEM(0).offset + 1, vfr::VFTDT(0).offset + 2, 0x3FFFu}) {
    INFO("offset " << std::hex << off);
    CHECK(rogue.read32(off) == hal::kDeviceGone);
    rogue.write32(off, 0xFFFFFFFFu);
  }
  const std::string d = diff(before, snapshot(r, kNoPool));
  INFO(d);
  CHECK(d.empty());
  for (const auto& [v, g] : r.guests()) {
    INFO("guest " << v);
    CHECK(g->driver().set_mac(mac(5, static_cast<uint8_t>(v))).has_value());
  }
  CHECK(r.dev->accounting().check().empty());
}

TEST_CASE("queue register slots beyond a rogue's pool reach no other pool's queues",
          "[harness][rogue][isolation]") {
  // 4 VFs: 32 pools x 4 queues; 40 VFs: 64 pools x 2. The VF BAR has 8 slots either way.
  const unsigned num_vfs = GENERATE(4u, 40u);
  RogueRig r(num_vfs);
  r.add_guest(0);
  r.add_guest(kRogue + 1);
  RogueVf rogue(r.function(kRogue));
  const unsigned per_pool = r.pf.queues_per_pool();
  REQUIRE(per_pool < vfr::kMaxQueues);
  const Snapshot before = snapshot(r, kRogue);
  for (unsigned q = per_pool; q < vfr::kMaxQueues; ++q) {
    for (const hal::Reg32 reg :
         {vfr::VFTDBAL(q), vfr::VFTDLEN(q), vfr::VFTXDCTL(q), vfr::VFTDT(q), vfr::VFRDBAL(q),
          vfr::VFRDLEN(q), vfr::VFRXDCTL(q), vfr::VFRDT(q), vfr::VFSRRCTL(q), vfr::VFTDWBAL(q)}) {
      INFO("slot " << q << " offset " << std::hex << reg.offset);
      rogue.write32(reg.offset, 0x1000u | hal::ixgbe::txdctl::kEnable);
      CHECK(rogue.read32(reg.offset) == 0);  // an unbacked slot reads as zero
    }
  }
  r.run(1ms);  // let the engine look at any queue that might have been enabled
  const std::string d = diff(before, snapshot(r, kRogue));
  INFO(d);
  CHECK(d.empty());
  // Its own slots do land in its own pool's queues.
  rogue.write32(vfr::VFTDBAL(0).offset, 0xABC00);
  CHECK(r.dev->pf().bar0().read(pfr::TDBAL(kRogue * per_pool)) == 0xABC00);
  CHECK(r.guest(0).driver().set_mac(mac(6, 0)).has_value());
  CHECK(r.dev->accounting().check().empty());
}

TEST_CASE("a rogue's DMA domain and config space are its own", "[harness][rogue][isolation]") {
  RogueRig r(4);
  r.add_guest(0);
  RogueVf rogue(r.function(kRogue));
  CHECK(&rogue.function().dma() != &r.function(0).dma());
  CHECK(&rogue.function().dma() != &r.dev->pf().dma());
  // A mapping in its domain is nobody else's.
  auto area = rogue.map(hal::Iova(0x10000), 4096);
  REQUIRE(area.has_value());
  CHECK(rogue.function().dma().translate(hal::Iova(0x10000), 64).has_value());
  CHECK_FALSE(r.function(0).dma().translate(hal::Iova(0x10000), 64).has_value());
  CHECK_FALSE(r.dev->pf().dma().translate(hal::Iova(0x10000), 64).has_value());

  // Its config space: whatever it writes (all-ones over the header and capabilities, but not
  // its own FLR bit) leaves the PF's config space and the other VFs as they were.
  hal::ConfigSpace& pf_cfg = r.dev->pf().config();
  std::vector<uint32_t> pf_before;
  for (uint16_t off = 0; off < 0x200; off += 4) pf_before.push_back(pf_cfg.read32(off));
  const Snapshot before = snapshot(r, kRogue);
  hal::ConfigSpace& cfg = rogue.function().config();
  const uint8_t exp = cfg.find_capability(hal::pci::kCapIdExp);
  REQUIRE(exp != 0);
  const uint16_t devctl_dword = static_cast<uint16_t>((exp + hal::pci::kExpDevCtl) & ~3u);
  for (uint16_t off = 0; off < 0x200; off += 4) {
    if (off == devctl_dword) continue;
    cfg.write32(off, 0xFFFFFFFFu);
  }
  for (uint16_t off = 0, i = 0; off < 0x200; off += 4, ++i) {
    INFO("PF config offset " << std::hex << off);
    CHECK(pf_cfg.read32(off) == pf_before[i]);
  }
  r.run(1ms);
  const std::string d = diff(before, snapshot(r, kRogue));
  INFO(d);
  CHECK(d.empty());
  CHECK(r.pf.num_vfs() == 4);
  CHECK(r.guest(0).driver().set_mac(mac(7, 0)).has_value());
  CHECK(r.guest(0).is_up());
}

TEST_CASE(
    "every offset of a rogue's own BAR read and written with patterns while guests exchange "
    "traffic: no other pool changes, only its own queues fault",
    "[harness][rogue][isolation]") {
  RogueRig r(4);
  for (unsigned v : {0u, 1u, 3u}) r.add_guest(v);
  RogueVf rogue(r.function(kRogue));
  GuestTraffic traffic(r, {{0, 1}, {1, 3}, {3, 0}});
  r.run(1ms);
  const Snapshot before = snapshot(r, kRogue, /*pointers=*/false);
  const uint64_t faults_before = r.dev->dma_fault_count();
  // Faults per queue: the device's log keeps only the last EngineState::kFaultLogSize, and a
  // sweep can fault far more often than that; the queues' counters see every one.
  constexpr unsigned kQueues = hal::ixgbe::pf::kNumQueues;
  const auto queue_faults = [&](unsigned q) {
    const sim::QueueCounters c = r.dev->queue_counters(hal::QueueId(q));
    return c.tx_dma_faults + c.rx_dma_faults;
  };
  std::vector<uint64_t> queue_faults_before(kQueues);
  for (unsigned q = 0; q < kQueues; ++q) queue_faults_before[q] = queue_faults(q);
  const uint64_t events_before = r.pf.events().total();
  // Each pattern over the whole 16 KiB, every 4-byte offset: read, write, read again; a tick
  // (engine pass, PF pass, guests' traffic) every 64 offsets, so the device acts on whatever the
  // registers now say while the sweep goes on.
  for (const uint32_t pattern : {0xFFFFFFFFu, 0x00000000u, 0xA5A5A5A5u, 0x5A5A5A5Au, 0x0000FFFFu}) {
    for (uint32_t off = 0; off < vfr::kBarSize; off += 4) {
      (void)rogue.read32(off);
      rogue.write32(off, pattern ^ off);
      (void)rogue.read32(off);
      if (off % 256 == 252) r.tick();
    }
  }
  r.run(5ms);
  traffic.finish();
  const std::string d = diff(before, snapshot(r, kRogue, false));
  INFO(d);
  CHECK(d.empty());
  // Whatever DMA its garbage rings asked for was tried in its own domain only: every fault
  // since the sweep began is on one of its pool's queues...
  const unsigned qpp = r.pf.queues_per_pool();
  uint64_t rogue_faults = 0;
  for (unsigned q = 0; q < kQueues; ++q) {
    const uint64_t n = queue_faults(q) - queue_faults_before[q];
    if (q / qpp == kRogue) {
      rogue_faults += n;
    } else {
      INFO("queue " << q << " (pool " << q / qpp << ")");
      CHECK(n == 0);
    }
  }
  CHECK(rogue_faults == r.dev->dma_fault_count() - faults_before);
  // ...and the ones the log still holds name the rogue's function.
  const auto faults = r.dev->dma_faults();
  for (const auto& f : faults) {
    if (f.function != static_cast<int>(kRogue)) {
      INFO("fault of function " << f.function << " queue " << f.queue);
      CHECK(false);
    }
  }
  INFO("faults " << r.dev->dma_fault_count() - faults_before << ", PF events "
                 << r.pf.events().total() - events_before);
  for (const auto& [v, g] : r.guests()) {
    INFO("guest " << v);
    CHECK(g->is_up());
    CHECK(g->driver().set_mac(mac(5, static_cast<uint8_t>(v))).has_value());
  }
  check_accounting(r);
}
