// The packet accounting invariant of the simulated 82599's engine under random mixed traffic:
// every frame offered ends in exactly one place, and the counters agree with what the software
// side of the rings and the wire actually saw.

#include <random>

#include <catch2/catch.hpp>

#include "test_engine_fixture.hpp"

using test::Bytes;
using test::EngineRig;
using test::make_frame;
using test::vf_mac;
namespace ix = hal::ixgbe;
namespace pfr = hal::ixgbe::pf;
namespace vfr = hal::ixgbe::vf;

namespace {

constexpr unsigned kNoRxVf = 6;      // RX queue never enabled: rx_queue_disabled
constexpr unsigned kScarceRxVf = 7;  // two RX descriptors only: rx_no_descriptor
const hal::MacAddr kGroup({0x01, 0x00, 0x5E, 0x00, 0x00, 0x01});

/// What the test offered and saw, to compare with the device's counters.
struct Tally {
  uint64_t sent = 0, injected = 0, received = 0;
};

/// A random frame from `src`, and how many TX descriptors to split it over.
std::pair<Bytes, unsigned> random_frame(std::mt19937& rng, unsigned src, unsigned n) {
  std::uniform_int_distribution<unsigned> kind(0, 9), vf(0, n - 1), len(60, 1500), segs(1, 3);
  const auto seq = static_cast<uint8_t>(rng());
  const hal::MacAddr me = vf_mac(src);
  switch (kind(rng)) {
    case 0: return {make_frame(test::kBroadcastMac, me, len(rng), seq), 1};
    case 1: return {make_frame(kGroup, me, len(rng), seq), 1};
    case 2: return {make_frame(test::kUnknownMac, me, len(rng), seq), segs(rng)};
    case 3: return {make_frame(vf_mac(vf(rng)), vf_mac((src + 1) % n), 64, seq), 1};  // spoofed
    case 4: return {make_frame(vf_mac(vf(rng)), me, len(rng), seq, 100), 1};          // VLAN 100
    case 5: return {make_frame(vf_mac(vf(rng)), me, 3000 + len(rng) * 4, seq), segs(rng)};  // jumbo
    case 6: return {make_frame(vf_mac(vf(rng)), me, 2 * 9000, seq), 2};  // oversize
    case 7: return {Bytes(10, 0xAB), 1};                                   // runt: malformed
    default: return {make_frame(vf_mac(vf(rng)), me, len(rng), seq), segs(rng)};
  }
}

void program_extras(EngineRig& rig) {
  rig.pf().write(pfr::PFVFSPOOF(0), 0xFF);  // MAC anti-spoof on pools 0..7
  rig.pf().write(pfr::VLVF(0), 100 | pfr::vlvf::kVien);
  rig.pf().write(pfr::VLVFB(0), 0x0F);      // VLAN 100: pools 0..3
  for (unsigned v = 0; v < rig.n; v += 2) {
    rig.pf().write(pfr::VMOLR(v), pfr::vmolr::kAupe | pfr::vmolr::kBam | pfr::vmolr::kMpe);
  }
}

void setup_rings(EngineRig& rig) {
  for (unsigned v = 0; v < rig.n; ++v) {
    rig.setup_tx(v);
    if (v == kNoRxVf) continue;
    rig.setup_rx(v, 2, /*vme=*/v % 2 == 1);
    rig.post_rx(v, v == kScarceRxVf ? 2 : 63);
  }
}

/// Takes every completed frame from every RX ring and gives the descriptors back.
void drain(EngineRig& rig, Tally& t) {
  for (unsigned v = 0; v < rig.n; ++v) {
    if (v == kNoRxVf) continue;
    unsigned used = 0;
    for (const auto& f : rig.receive(v)) {
      ++t.received;
      used += f.descriptors;
    }
    if (used != 0) rig.post_rx(v, used);
  }
}

}  // namespace

TEST_CASE("Every frame ends in exactly one place under random traffic across 8 VFs", "[engine]") {
  EngineRig rig;
  program_extras(rig);
  setup_rings(rig);
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<unsigned> pick_vf(0, rig.n - 1), coin(0, 15);
  Tally t;
  for (int round = 0; round < 25; ++round) {
    for (int k = 0; k < 16; ++k) {
      const unsigned src = pick_vf(rng);
      auto [frame, segs] = random_frame(rng, src, rig.n);
      if (coin(rng) == 0) {
        // Out of the VF's domain: the queue stops; software sets it up again afterwards.
        rig.send(src, frame, 1, 0xDEAD0000ull);
        ++t.sent;
        rig.run();
        rig.setup_tx(src);
        continue;
      }
      rig.send(src, frame, segs);
      ++t.sent;
    }
    for (int k = 0; k < 4; ++k) {
      const bool known = coin(rng) < 12;
      rig.wire->inject(make_frame(known ? vf_mac(pick_vf(rng)) : test::kUnknownMac, test::kUnknownMac, 90));
      ++t.injected;
    }
    rig.run();
    drain(rig, t);
  }

  const sim::Accounting a = rig.dev->accounting();
  INFO(a.summary());
  REQUIRE(a.check().empty());
  CHECK(a.offered_tx == t.sent);
  CHECK(a.offered_wire == t.injected);
  CHECK(a.delivered == t.received);
  CHECK(a.to_wire == rig.wire->sent().size());
  uint64_t rx_packets = 0, no_desc = 0;
  for (unsigned q = 0; q < pfr::kNumQueues; ++q) {
    rx_packets += rig.dev->queue_counters(hal::QueueId{q}).rx_packets;
    no_desc += rig.dev->queue_counters(hal::QueueId{q}).rx_no_descriptor;
  }
  CHECK(rx_packets == a.delivered);
  CHECK(no_desc == a.rx_no_descriptor);
  // Every path was exercised.
  CHECK(a.switch_drop(sim::DropReason::kMacSpoof) > 0);
  CHECK(a.switch_drop(sim::DropReason::kMalformed) > 0);
  CHECK(a.switch_drop(sim::DropReason::kVlanFilter) > 0);
  CHECK(a.oversize > 0);
  CHECK(a.tx_dma_fault > 0);
  CHECK(a.rx_queue_disabled > 0);
  CHECK(a.rx_no_descriptor > 0);
  CHECK(a.copies > a.switched);  // replication happened
  CHECK(a.delivered > 100);
}

TEST_CASE("Accounting::check names the sum that does not add up", "[engine]") {
  sim::Accounting a;
  a.offered_tx = 3;
  a.switched = 2;
  a.copies = 2;
  a.delivered = 2;
  const std::string msg = a.check();
  CHECK(msg.find("frames: offered 3") != std::string::npos);
  a.tx_dma_fault = 1;
  CHECK(a.check().empty());
  a.rx_no_descriptor = 1;
  CHECK(a.check().find("copies: 2") != std::string::npos);
}
