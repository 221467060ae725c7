// The soak (harness/soak/): a short run passes and replays exactly from its seed and iteration
// count; the checker catches violations planted into a copy of a passing run's snapshot (so a
// pass is not vacuous); bad DURATION strings are refused. Stepped, one thread, no timing.

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "datapath/eal.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "harness/soak/admin_verdict.hpp"
#include "harness/soak/checker.hpp"
#include "harness/soak/duration.hpp"
#include "harness/soak/runner.hpp"

namespace soak = harness::soak;
using std::chrono::milliseconds;

namespace {

void require_eal() {
  const auto& eal = dp::shared_eal();
  INFO((eal ? std::string() : fmt::format("{}", eal.error())));
  REQUIRE(eal.has_value());
}

soak::SoakReport run(uint64_t seed, unsigned vfs, uint64_t iterations) {
  require_eal();
  soak::SoakOptions o;
  o.seed = seed;
  o.num_vfs = vfs;
  o.iterations = iterations;
  auto r = soak::run_soak(o);
  INFO((r ? std::string() : r.error()));
  REQUIRE(r.has_value());
  return std::move(*r);
}

std::string joined(const std::vector<std::string>& lines) { return fmt::format("{}", fmt::join(lines, "\n")); }

bool mentions(const std::vector<std::string>& lines, std::string_view what) {
  for (const auto& l : lines) {
    if (l.find(what) != std::string::npos) return true;
  }
  return false;
}

/// A passing 63-VF run, made once and shared by the checker tests (a run costs ~a second).
const soak::SoakReport& passing_run() {
  static const soak::SoakReport r = run(7, 63, 150);
  return r;
}

}  // namespace

TEST_CASE("Soak DURATION strings: 120s, 2m, 30m, 1h, 1500ms and bare seconds", "[soak]") {
  CHECK(soak::parse_duration("120s") == milliseconds(120'000));
  CHECK(soak::parse_duration("2m") == milliseconds(120'000));
  CHECK(soak::parse_duration("30m") == milliseconds(1'800'000));
  CHECK(soak::parse_duration("1h") == milliseconds(3'600'000));
  CHECK(soak::parse_duration("1500ms") == milliseconds(1500));
  CHECK(soak::parse_duration("45") == milliseconds(45'000));
  CHECK(soak::parse_duration("24h") == milliseconds(86'400'000));
}

TEST_CASE("Soak DURATION strings that are not a positive whole duration are refused", "[soak]") {
  for (const char* bad : {"", "s", "abc", "10x", "-5s", "+5s", "0s", "0", "2 m", " 2m", "2m ",
                          "1.5m", "2min", "25h", "99999999999999999999s", "5S"}) {
    INFO(bad);
    const auto r = soak::parse_duration(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().find("bad duration") != std::string::npos);
  }
}

TEST_CASE("A short soak of 63 VFs passes, and did real work", "[soak]") {
  const soak::SoakReport& r = passing_run();
  INFO(joined(r.violations));
  CHECK(r.passed());
  CHECK(r.violations.empty());
  CHECK(r.iterations == 150);
  CHECK(r.quiesced);
  REQUIRE(r.snapshot.vfs.size() == 63);
  // Not vacuous: operations of every kind ran, frames moved and were delivered, VFs reset.
  for (size_t k = 0; k < soak::kNumOpKinds; ++k) {
    INFO(soak::to_string(static_cast<soak::OpKind>(k)));
    CHECK(r.ops[k].done > 0);
  }
  CHECK(r.ops[static_cast<size_t>(soak::OpKind::kBadAdmin)].refused ==
        r.ops[static_cast<size_t>(soak::OpKind::kBadAdmin)].done);
  CHECK(r.snapshot.accounting.offered_tx > 10000);
  CHECK(r.snapshot.accounting.delivered > 10000);
  CHECK(r.pf_flrs > 0);
  CHECK(r.recovery[static_cast<size_t>(soak::OpKind::kPfReset)].recovered >= 63);
  CHECK(r.queue_lives > 63);
  for (const auto& v : r.snapshot.vfs) CHECK(v.guest_up);
  // The final round judged pairs both ways: delivery within a VLAN, isolation across.
  unsigned same = 0, across = 0;
  for (const auto& p : r.snapshot.probes) {
    if (p.expect_delivery) ++(*p.expect_delivery ? same : across);
  }
  CHECK(same > 0);
  CHECK(across > 0);
}

TEST_CASE("A soak replays exactly from its seed and iteration count", "[soak]") {
  const soak::SoakReport a = run(11, 8, 120);
  const soak::SoakReport b = run(11, 8, 120);
  const soak::SoakReport c = run(12, 8, 120);
  INFO(joined(a.violations));
  CHECK(a.passed());
  CHECK(a.steps == b.steps);
  CHECK(a.snapshot.accounting.summary() == b.snapshot.accounting.summary());
  for (size_t k = 0; k < soak::kNumOpKinds; ++k) CHECK(a.ops[k].done == b.ops[k].done);
  for (unsigned vf = 0; vf < 8; ++vf) {
    CHECK(a.snapshot.vfs[vf].guest_mac == b.snapshot.vfs[vf].guest_mac);
    CHECK(a.snapshot.traffic[vf].sent == b.snapshot.traffic[vf].sent);
  }
  // Another seed, another run.
  CHECK(a.snapshot.accounting.summary() != c.snapshot.accounting.summary());
}

TEST_CASE("The soak checker catches violations planted into a passing snapshot", "[soak]") {
  const soak::SoakSnapshot& good = passing_run().snapshot;
  REQUIRE(soak::check(good).empty());

  SECTION("a delivered copy in no place") {
    soak::SoakSnapshot s = good;
    ++s.accounting.delivered;
    const auto v = soak::check(s);
    CHECK(mentions(v, "accounting:"));
  }
  SECTION("a frame a guest sent that nobody took or freed") {
    soak::SoakSnapshot s = good;
    ++s.traffic[5].sent;
    CHECK(mentions(soak::check(s), "frames handed to the NICs"));
  }
  SECTION("a frame left in a ring after the quiesce") {
    soak::SoakSnapshot s = good;
    ++s.in_rx_ring;
    CHECK(mentions(soak::check(s), "quiesce:"));
  }
  SECTION("a probe received twice") {
    soak::SoakSnapshot s = good;
    s.traffic[9].from[8] = s.traffic[8].sent + 1;
    CHECK(mentions(soak::check(s), "vf 8: its probes were received"));
  }
  SECTION("a wire frame not counted") {
    soak::SoakSnapshot s = good;
    ++s.wire_frames;
    CHECK(mentions(soak::check(s), "the wire got"));
  }
  SECTION("a VF left down") {
    soak::SoakSnapshot s = good;
    s.vfs[3].guest_up = false;
    CHECK(mentions(soak::check(s), "vf 3: guest not up"));
  }
  SECTION("a VF whose queues are not set up") {
    soak::SoakSnapshot s = good;
    s.vfs[4].queues_live = false;
    CHECK(mentions(soak::check(s), "vf 4: guest up but its queues"));
  }
  SECTION("the PF reporting another port VLAN than the one set") {
    soak::SoakSnapshot s = good;
    s.vfs[6].intent.vlan = static_cast<uint16_t>(s.vfs[6].info.vlan + 1);
    CHECK(mentions(soak::check(s), "vf 6: port VLAN"));
  }
  SECTION("an admin MAC the guest does not run after a reset") {
    soak::SoakSnapshot s = good;
    s.vfs[7].intent.mac = hal::MacAddr({0x0a, 0x50, 1, 2, 3, 4});
    s.vfs[7].info.admin_mac = true;
    s.vfs[7].info.mac = *s.vfs[7].intent.mac;
    s.vfs[7].intent.resets_at_mac = 0;
    CHECK(mentions(soak::check(s), "vf 7: guest runs MAC"));
  }
  SECTION("an mbuf not back in its pool") {
    soak::SoakSnapshot s = good;
    s.traffic[1].mbufs_missing = 1;
    CHECK(mentions(soak::check(s), "mbufs not back"));
  }
  SECTION("frames crossing port VLANs in the final probe round") {
    soak::SoakSnapshot s = good;
    REQUIRE_FALSE(s.probes.empty());
    s.probes[0].expect_delivery = false;
    s.probes[0].received = s.probes[0].sent;
    CHECK(mentions(soak::check(s), "crossed"));
  }
  SECTION("a frame lost between VFs on one VLAN in the final probe round") {
    soak::SoakSnapshot s = good;
    s.probes[1].expect_delivery = true;
    s.probes[1].received = s.probes[1].sent - 1;
    CHECK(mentions(soak::check(s), "frames arrived"));
  }
  SECTION("a port VLAN the PF records but VMVIR does not carry") {
    soak::SoakSnapshot s = good;
    s.vfs[10].regs.vmvir ^= 1;
    CHECK(mentions(soak::check(s), "vf 10: registers: port VLAN"));
  }
  SECTION("spoofchk recorded but the VLAN anti-spoof bit not set") {
    soak::SoakSnapshot s = good;
    s.vfs[11].regs.vlan_antispoof = !s.vfs[11].regs.vlan_antispoof;
    CHECK(mentions(soak::check(s), "vf 11: registers: spoofchk"));
  }
  SECTION("a port VLAN with untagged receive still on (VMOLR.AUPE)") {
    soak::SoakSnapshot s = good;
    s.vfs[12].regs.vmolr ^= hal::ixgbe::pf::vmolr::kAupe;
    CHECK(mentions(soak::check(s), "vf 12: registers: port VLAN"));
  }
  SECTION("a VF whose link is up but VFRE is clear") {
    soak::SoakSnapshot s = good;
    s.vfs[13].regs.rx_enabled = false;
    CHECK(mentions(soak::check(s), "vf 13: registers: link state"));
  }
  SECTION("a rate limit lost from one of the pool's queues") {
    soak::SoakSnapshot s = good;
    s.vfs[14].intent.max_tx_mbps = 2500;
    s.vfs[14].info.max_tx_mbps = 2500;
    CHECK(mentions(soak::check(s), "vf 14: registers: max TX rate"));
  }
  SECTION("a guest that sent nothing in the final round, whatever the VLANs") {
    soak::SoakSnapshot s = good;
    s.probes[3].sent = 0;
    s.probes[3].received = 0;
    s.probes[3].expect_delivery = std::nullopt;
    CHECK(mentions(soak::check(s), "vf 3 sent nothing"));
  }
  SECTION("frames freed by resets that the queues did not report") {
    soak::SoakSnapshot s = good;
    ++s.traffic[6].tx_abandoned;
    CHECK(mentions(soak::check(s), "frames handed to the NICs"));
    s = good;
    ++s.traffic[6].rx_abandoned;
    CHECK(mentions(soak::check(s), "copies delivered, but"));
  }
  SECTION("a phantom frame") {
    soak::SoakSnapshot s = good;
    s.traffic[2].phantoms = 1;
    CHECK(mentions(soak::check(s), "vf 2:"));
  }
}

TEST_CASE("A soak without a stop condition or with too few VFs is refused", "[soak]") {
  require_eal();
  soak::SoakOptions o;
  CHECK_FALSE(soak::run_soak(o).has_value());
  o.iterations = 1;
  o.num_vfs = 1;
  CHECK_FALSE(soak::run_soak(o).has_value());
  o.num_vfs = 64;
  CHECK_FALSE(soak::run_soak(o).has_value());
}

TEST_CASE("The soak's registers of a passing run carry every VF's configuration", "[soak]") {
  const soak::SoakReport& r = passing_run();
  unsigned port_vlans = 0, limited = 0, spoofchk_off = 0;
  for (const auto& v : r.snapshot.vfs) {
    CHECK_FALSE(soak::check_regs(v.intent, v.regs).has_value());
    REQUIRE_FALSE(v.regs.rttbcnrc.empty());
    port_vlans += v.regs.vmvir != 0;
    limited += (v.regs.rttbcnrc[0] & hal::ixgbe::pf::rttbcnrc::kRsEna) != 0;
    spoofchk_off += !v.regs.mac_antispoof;
  }
  // Not vacuous: the run left port VLANs, rate limits and spoofchk off somewhere.
  CHECK(port_vlans > 0);
  CHECK(limited > 0);
  CHECK(spoofchk_off > 0);
}

TEST_CASE("A priority on port VLAN 0 is judged in the final probe round, as VLAN 0 is",
          "[soak]") {
  soak::VfIntent plain, prio, prio2, vlan3;
  prio.qos = 5;
  prio2.qos = 1;
  vlan3.vlan = 3;
  // Priority-tagged frames (VID 0) reach a VLAN 0 pool; untagged ones do not reach a pool with
  // a port VLAN (AUPE clear), a priority alone included.
  CHECK(soak::expect_delivery(prio, plain) == true);
  CHECK(soak::expect_delivery(prio, prio2) == true);
  CHECK(soak::expect_delivery(plain, prio) == false);
  CHECK(soak::expect_delivery(prio, vlan3) == false);
  vlan3.qos = 2;
  soak::VfIntent vlan3b;
  vlan3b.vlan = 3;
  CHECK(soak::expect_delivery(vlan3, vlan3b) == true);
}

TEST_CASE("The soak counts any refusal of a valid admin setting as a violation, with its code",
          "[soak]") {
  using Answer = std::expected<void, pf::Refusal>;
  const Answer ok;
  const Answer busy = std::unexpected(pf::Refusal{pf::ErrorCode::kBusy, "MAC in use"});
  const Answer invalid = std::unexpected(pf::Refusal{pf::ErrorCode::kInvalidArgument, "bad"});
  const Answer full = std::unexpected(pf::Refusal{pf::ErrorCode::kNoSpace, "VLVF table full"});
  soak::Op op;
  op.vf = 4;
  for (soak::OpKind k : {soak::OpKind::kMac, soak::OpKind::kVlan, soak::OpKind::kSpoofchk,
                         soak::OpKind::kTrust, soak::OpKind::kLinkState, soak::OpKind::kRate}) {
    op.kind = k;
    INFO(soak::describe(op));
    CHECK_FALSE(soak::judge_admin(op, ok).has_value());
    for (const Answer* a : {&busy, &invalid, &full}) {
      const auto v = soak::judge_admin(op, *a);
      REQUIRE(v.has_value());
      CHECK(v->find("refused") != std::string::npos);
      CHECK(v->find(std::string(pf::to_string(a->error().code))) != std::string::npos);
      CHECK(v->find(a->error().reason) != std::string::npos);
    }
  }
  // A mistake must be refused, with its own code.
  op.kind = soak::OpKind::kBadAdmin;
  op.bad = soak::BadAdmin::kOtherVfsMac;
  CHECK_FALSE(soak::judge_admin(op, busy).has_value());
  CHECK(soak::judge_admin(op, invalid).has_value());
  CHECK(soak::judge_admin(op, ok).value().find("was accepted") != std::string::npos);
  op.bad = soak::BadAdmin::kVlanTooBig;
  CHECK_FALSE(soak::judge_admin(op, invalid).has_value());
  CHECK(soak::judge_admin(op, full).has_value());
}
