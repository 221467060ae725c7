// Faults during traffic (issue 5): each scenario of harness/faults/ on a stepped rig, asserting
// recovery (every VF up, traffic flowing on every path, configuration as before) and the
// accounting invariant. Recovery times are reported, not bounded; the one bound is in
// simulated time: a PF stall shorter than the mailbox timeout leaves no gap in any path's
// traffic beyond a few ticks.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "harness/faults/scenarios.hpp"

namespace {

using namespace std::chrono_literals;
namespace hf = harness::faults;

void require_recovered(const hf::FaultResult& f) {
  INFO(f.name << ": " << f.observed);
  INFO("problems: " << f.problems);
  CHECK(f.problems.empty());
  CHECK(f.recovered);
  CHECK(f.recovery.has_value());
  CHECK(f.config_restored);
  CHECK(f.invariant_held);
  CHECK(f.frames.bad_delivered == 0);
  CHECK(f.frames.in_flight == 0);
  CHECK(f.frames.sent() == f.frames.received() + f.frames.dropped());
  CHECK(f.frames.guest_received > 0);
  CHECK(f.frames.peer_received > 0);
}

}  // namespace

TEST_CASE("Faults: a VF FLR during traffic, the VF recovers and its traffic resumes", "[faults]") {
  const auto f = hf::run_vf_flr(1);
  require_recovered(f);
}

TEST_CASE("Faults: a PF reset during traffic, every VF recovers its configuration", "[faults]") {
  const auto f = hf::run_pf_reset(1);
  require_recovered(f);
  CHECK(f.affected.size() == 4);
}

TEST_CASE("Faults: a guest killed without reset, the PF reclaims the VF, a new guest runs", "[faults]") {
  const auto f = hf::run_guest_killed(2);
  require_recovered(f);
  // Frames to the VF while no guest had it: counted (its queue was reset), not delivered.
  // Bring-up already counts a few: the fault must add to them.
  auto get = [](const std::map<std::string, uint64_t>& m, const char* k) -> uint64_t {
    return m.contains(k) ? m.at(k) : 0;
  };
  CHECK(get(f.frames.drops, "rx_queue_disabled") >= get(f.drops_before, "rx_queue_disabled") + 1);
}

TEST_CASE("Faults: a link flap, guests' links follow and traffic resumes", "[faults]") {
  const auto f = hf::run_link_flap(1);
  require_recovered(f);
}

TEST_CASE("Faults: the PF mailbox service stalled for 50 ms, no VF times out", "[faults]") {
  const auto f = hf::run_mailbox_stall(1, 50ms);
  require_recovered(f);
  // Traffic never needs the PF: no path went more than a few 100 us ticks without a frame.
  INFO("outage " << f.outage.count() << " ns");
  CHECK(!f.path_outages.empty());
  CHECK(f.outage <= 500us);
}

TEST_CASE("Faults: the PF mailbox service stalled for 2 s, the waiting VF times out and recovers",
          "[faults]") {
  const auto f = hf::run_mailbox_stall(1, 2s);
  require_recovered(f);
  // VF 1's own traffic stops from its timeout until its bring-up: the outage shows it, even
  // though the recovery (from the PF's return) is short. The others' stay short (checked by
  // the scenario: a long gap there is one of its problems).
  CHECK(f.outage > 100ms);
}

TEST_CASE("Faults: runts, oversize and bad-FCS frames from the wire are dropped and counted",
          "[faults]") {
  const auto f = hf::run_wire_errors(3);
  require_recovered(f);
  const auto& m = f.frames.mac;
  CHECK(m.at("CRCERRS") == 20);
  CHECK(m.at("RFC") == 10);
  CHECK(m.at("RJC") == 10);
  CHECK(m.at("RUC") == 10);
  CHECK(m.at("ROC") == 10);
  CHECK_FALSE(m.contains("RLEC"));  // 802.3 length-field errors only, none sent
  CHECK(f.frames.drops.at("wire_crc_error") == 30);  // bad FCS, fragments, jabbers
  CHECK(f.frames.drops.at("wire_undersize") == 10);
  CHECK(f.frames.drops.at("oversize") == 10);
}
