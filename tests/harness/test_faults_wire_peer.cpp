// The fault rig's link partner (harness/faults/wire_peer.hpp): its bad frames are recognisable
// whatever is left of them, so a guest that receives one counts it (TrafficRig's bad_delivered).
#include <catch2/catch.hpp>

#include <vector>

#include "hal/clock.hpp"
#include "harness/apps/probe_frame.hpp"
#include "harness/faults/wire_peer.hpp"

namespace hf = harness::faults;

TEST_CASE("WirePeer: every kind of bad frame is known by its source, runts and fragments too", "[faults]") {
  hal::ManualClock clock;
  hf::FlowLedger ledger;
  hf::WirePeer peer(hal::MacAddr({0x02, 0xfe, 0, 0, 0, 1}), 1000, clock, ledger);
  const hal::MacAddr dst({0x02, 0, 0, 0, 0, 7});
  for (hf::WireError e : {hf::WireError::kRunt, hf::WireError::kFragment, hf::WireError::kOversize,
                          hf::WireError::kJabber, hf::WireError::kBadFcs}) {
    peer.queue_bad(e, dst, 1, 1518);
  }
  std::vector<uint8_t> f;
  unsigned n = 0, unparsable = 0;
  while (peer.receive(f)) {
    ++n;
    CHECK(hf::WirePeer::is_bad_frame(f));
    // A 40-byte runt or fragment does not hold the probe header: a flow-id mark would miss it.
    if (!harness::apps::parse_probe(f, static_cast<uint32_t>(f.size()))) ++unparsable;
  }
  CHECK(n == 5);
  CHECK(unparsable == 2);
  // A good probe is not one.
  peer.add_destination(dst, 0);
  clock.advance(std::chrono::milliseconds(1));
  peer.generate();
  REQUIRE(peer.receive(f));
  CHECK_FALSE(hf::WirePeer::is_bad_frame(f));
}
