// A rogue pointing DMA outside its domain (issue 5, docs/reliability.md): TX buffers, TX and
// RX ring bases, RX packet buffers and the TX head write-back aimed at IOVAs it does not own --
// another VF's (a secret buffer, the victim guest's live RX ring), the PF's, or nothing. The
// device translates every access in the rogue's own domain: a DMA fault is recorded, the queue
// stops (ENABLE reads back clear), nothing outside the domain is read or written, and the
// guests' traffic goes on untouched.
#include <cstring>

#include "hal/ixgbe/queue_regs.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "harness/rogue/raw_tx.hpp"
#include "test_rogue_rig.hpp"

using namespace roguetest;
using harness::rogue::RawTxQueue;
using harness::rogue::RogueVf;
using sim::DmaFaultKind;
namespace vfr = hal::ixgbe::vf;
namespace pfr = hal::ixgbe::pf;

namespace {

const std::vector<uint8_t> kSecret = {'V', 'I', 'C', 'T', 'I', 'M', '-', 'S', 'E', 'C', 'R', 'E', 'T'};
constexpr uint64_t kVictimIova = 0x3A000000;  // in VF 0's domain
constexpr uint64_t kPfIova = 0x3B000000;      // in the PF's domain
constexpr uint64_t kNowhere = 0xDEAD0000;     // in no domain
constexpr uint32_t kSecretLen = 4096;

/// 4 KiB of secret bytes (the marker repeated) mapped at `iova` in `dma`; unmapped on
/// destruction.
struct Secret {
  Secret(hal::DmaDomain& d, uint64_t iova) : dma(d), at(iova), mem(kSecretLen) {
    for (size_t i = 0; i < mem.size(); ++i) mem[i] = kSecret[i % kSecret.size()];
    copy = mem;
    REQUIRE(dma.map(hal::Iova(at), mem.data(), mem.size()).has_value());
  }
  ~Secret() { (void)dma.unmap(hal::Iova(at)); }
  bool unchanged() const { return mem == copy; }
  hal::DmaDomain& dma;
  uint64_t at;
  std::vector<uint8_t> mem, copy;
};

enum class Target : uint8_t { kTxBuffer, kTxRing, kTxHeadWb, kRxRing, kRxBuffer };

struct Case {
  const char* name;
  Target target;
  uint64_t iova;  ///< 0: the victim guest's live RX ring (read from its RDBAL/RDBAH)
  DmaFaultKind kind;
};

}  // namespace

TEST_CASE(
    "a rogue's descriptors and ring bases at IOVAs it does not own: a DMA fault, the queue "
    "stopped, nothing outside its domain read or written, the guests' traffic untouched",
    "[harness][rogue][dma]") {
  const Case c = GENERATE(
      Case{"TX buffer at VF 0's memory", Target::kTxBuffer, kVictimIova, DmaFaultKind::kTxBuffer},
      Case{"TX buffer at the PF's memory", Target::kTxBuffer, kPfIova, DmaFaultKind::kTxBuffer},
      Case{"TX buffer unmapped", Target::kTxBuffer, kNowhere, DmaFaultKind::kTxBuffer},
      Case{"TX ring at VF 0's live RX ring", Target::kTxRing, 0, DmaFaultKind::kTxDescriptor},
      Case{"TX ring at the PF's memory", Target::kTxRing, kPfIova, DmaFaultKind::kTxDescriptor},
      Case{"TX head write-back into VF 0's memory", Target::kTxHeadWb, kVictimIova, DmaFaultKind::kTxHeadWb},
      Case{"RX ring at VF 0's live RX ring", Target::kRxRing, 0, DmaFaultKind::kRxDescriptor},
      Case{"RX ring unmapped", Target::kRxRing, kNowhere, DmaFaultKind::kRxDescriptor},
      Case{"RX buffer at VF 0's memory", Target::kRxBuffer, kVictimIova, DmaFaultKind::kRxBuffer},
      Case{"RX buffer at the PF's memory", Target::kRxBuffer, kPfIova, DmaFaultKind::kRxBuffer});
  INFO(c.name);
  RogueRig r(4);
  for (unsigned v : {0u, 1u, 3u}) r.add_guest(v);
  REQUIRE(r.pf.set_vf_mac(hal::VfId(kRogue), kRogueMac).has_value());
  RogueVf rogue(r.function(kRogue));
  admit(r, rogue);
  Secret victim(r.function(0).dma(), kVictimIova);
  Secret host(r.dev->pf().dma(), kPfIova);
  GuestTraffic traffic(r, {{0, 1}, {1, 0}, {3, 0}});
  r.run(2ms);  // traffic flowing, the victim's RX ring in use
  hal::RegisterIo& pfb = r.dev->pf().bar0();
  const unsigned victim_q = 0 * r.pf.queues_per_pool();
  const uint64_t victim_ring = uint64_t{pfb.read(pfr::RDBAH(victim_q))} << 32 | pfb.read(pfr::RDBAL(victim_q));
  REQUIRE(victim_ring != 0);
  const uint64_t target = c.iova != 0 ? c.iova : victim_ring;

  const Snapshot others = snapshot(r, kRogue, false);
  const sim::Accounting before = r.dev->accounting();
  const uint64_t faults_before = r.dev->dma_fault_count();
  MarkerTap secrets(*r.dev, kSecret);
  auto tx = RawTxQueue::create(rogue, 0, hal::Iova(0x100000));
  REQUIRE(tx.has_value());
  auto own = rogue.map(hal::Iova(0x200000), 8192);  // its RX ring (first 4 KiB) and buffers
  REQUIRE(own.has_value());
  auto wire = std::static_pointer_cast<sim::MemoryWire>(r.dev->wire());
  const auto frame_to_rogue = [&] { wire->inject(craft(kRogueMac, mac(0x77, 1))); };

  uint32_t ctl = 0;  // the attacked queue's control register, read through the rogue's BAR
  switch (c.target) {
    case Target::kTxBuffer:
      REQUIRE((*tx)->send_at(target, 256));
      r.run(1ms);
      ctl = rogue.read32(vfr::VFTXDCTL(0).offset);
      break;
    case Target::kTxRing:
      rogue.setup_tx_queue(1, hal::Iova(target), 8);
      rogue.set_tx_tail(1, 1);
      r.run(1ms);
      ctl = rogue.read32(vfr::VFTXDCTL(1).offset);
      break;
    case Target::kTxHeadWb:
      rogue.write32(vfr::VFTDWBAH(0).offset, static_cast<uint32_t>(target >> 32));
      rogue.write32(vfr::VFTDWBAL(0).offset, static_cast<uint32_t>(target) | hal::ixgbe::tdwbal::kHeadWbEnable);
      REQUIRE((*tx)->send(craft(kBroadcast, kRogueMac)));
      r.run(1ms);
      ctl = rogue.read32(vfr::VFTXDCTL(0).offset);
      break;
    case Target::kRxRing:
      rogue.setup_rx_queue(0, hal::Iova(target), 8);
      rogue.set_rx_tail(0, 7);
      frame_to_rogue();
      r.run(1ms);
      ctl = rogue.read32(vfr::VFRXDCTL(0).offset);
      break;
    case Target::kRxBuffer:
      for (unsigned i = 0; i < 8; ++i) RogueVf::write_rx_descriptor((*own)->bytes(), i, target);
      rogue.setup_rx_queue(0, (*own)->iova(), 8);
      rogue.set_rx_tail(0, 7);
      frame_to_rogue();
      r.run(1ms);
      ctl = rogue.read32(vfr::VFRXDCTL(0).offset);
      break;
  }
  // One fault, the rogue's, where it pointed; the queue stopped.
  REQUIRE(r.dev->dma_fault_count() == faults_before + 1);
  const sim::DmaFault f = r.dev->dma_faults().back();
  CHECK(f.function == static_cast<int>(kRogue));
  CHECK(f.kind == c.kind);
  CHECK(f.iova == target);  // the buffer, the ring's first descriptor, the head word
  CHECK((ctl & hal::ixgbe::txdctl::kEnable) == 0);
  static_assert(hal::ixgbe::txdctl::kEnable == hal::ixgbe::rxdctl::kEnable);
  // The queue stays stopped: more doorbells, more frames, no second fault.
  if (c.target == Target::kTxBuffer) (void)(*tx)->send_at(target, 256);
  if (c.target == Target::kRxRing || c.target == Target::kRxBuffer) frame_to_rogue();
  r.run(1ms);
  CHECK(r.dev->dma_fault_count() == faults_before + 1);

  traffic.finish();  // the victim's traffic (into that very RX ring) arrived whole
  CHECK(victim.unchanged());
  CHECK(host.unchanged());
  CHECK(secrets.received_anywhere() == 0);
  CHECK(secrets.at(sim::TapPoint::kWireTx).empty());
  CHECK(secrets.at(sim::TapPoint::kPoolTx, kRogue).empty());
  const sim::Accounting a = r.dev->accounting();
  INFO(a.summary());
  const bool tx_buffer = c.target == Target::kTxBuffer;
  CHECK(a.tx_dma_fault - before.tx_dma_fault == (tx_buffer ? 1u : 0u));
  const bool rx = c.target == Target::kRxRing || c.target == Target::kRxBuffer;
  CHECK(a.rx_dma_fault - before.rx_dma_fault == (rx ? 1u : 0u));
  if (rx) CHECK(a.rx_queue_disabled - before.rx_queue_disabled >= 1);  // the frame after the stop
  const std::string d = diff(others, snapshot(r, kRogue, false));
  INFO(d);
  CHECK(d.empty());
  CHECK(a.check().empty());
}

TEST_CASE(
    "the same IOVA in the rogue's own domain is its own memory: a TX buffer at a victim's IOVA "
    "sends the rogue's bytes, not the victim's",
    "[harness][rogue][dma]") {
  RogueRig r(4);
  r.add_guest(0);
  REQUIRE(r.pf.set_vf_mac(hal::VfId(kRogue), kRogueMac).has_value());
  RogueVf rogue(r.function(kRogue));
  admit(r, rogue);
  Secret victim(r.function(0).dma(), kVictimIova);
  auto mine = rogue.map(hal::Iova(kVictimIova), 4096);
  REQUIRE(mine.has_value());
  const std::vector<uint8_t> frame = craft(kBroadcast, kRogueMac);
  std::memcpy((*mine)->bytes().data(), frame.data(), frame.size());
  auto tx = RawTxQueue::create(rogue, 0, hal::Iova(0x100000));
  REQUIRE(tx.has_value());
  MarkerTap own(*r.dev);  // the rogue's marker: its frame, whole
  const uint64_t faults = r.dev->dma_fault_count();
  REQUIRE((*tx)->send_at(kVictimIova, static_cast<uint16_t>(frame.size())));
  r.run(1ms);
  CHECK(r.dev->dma_fault_count() == faults);
  REQUIRE(own.at(sim::TapPoint::kWireTx).size() == 1);
  CHECK(own.at(sim::TapPoint::kWireTx)[0] == frame);  // not a byte of the victim's secret
  CHECK(victim.unchanged());
  check_accounting(r);
}
