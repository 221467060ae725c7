// The fault scenarios (scenarios.hpp).
#include "harness/faults/scenarios.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "datapath/eal.hpp"
#include "hal/ixgbe/regs_pf.hpp"

namespace harness::faults {

namespace {

constexpr unsigned kVfs = 4;
constexpr hal::Nanos kWarmup = 5ms;
constexpr hal::Nanos kRecoveryLimit = 3s;
constexpr hal::Nanos kAfter = 2ms;  // traffic after recovery, before the drain
/// The longest gap between frames on a path no fault touched: a frame every 100 us at
/// 10000 pps, seen once per 100 us tick, with a tick or two of jitter.
constexpr hal::Nanos kUnaffectedGap = 500us;
const hal::MacAddr kAdminMac({0x02, 0x11, 0x22, 0x33, 0x44, 0x00});
const hal::MacAddr kGroup({0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb});

double ms(hal::Nanos d) { return static_cast<double>(d.count()) / 1e6; }

std::vector<unsigned> all_vfs() {
  std::vector<unsigned> v(kVfs);
  std::iota(v.begin(), v.end(), 0u);
  return v;
}

/// A rig with the administrator's settings (VF 0 an admin MAC, VF 2 trusted, VF 3 spoof check
/// off) and each guest's own requests (VF 1 VLAN 100, VF 2 a multicast group and ALLMULTI,
/// VF 3 MTU 1400), warmed up with every path flowing.
std::expected<std::unique_ptr<TrafficRig>, std::string> make_rig(uint64_t seed) {
  if (!dp::Eal::running()) {
    if (const auto& e = dp::shared_eal(); !e) return std::unexpected(fmt::format("EAL: {}", e.error()));
  }
  RigOptions o;
  o.num_vfs = kVfs;
  o.seed = seed;
  o.rate_pps = 10000;
  o.admin = [](pf::PfDriver& pf) -> std::expected<void, std::string> {
    for (auto r : {pf.set_vf_mac(hal::VfId{0}, kAdminMac), pf.set_vf_trust(hal::VfId{2}, true),
                   pf.set_vf_spoofchk(hal::VfId{3}, false)}) {
      if (!r) return std::unexpected(r.error().reason);
    }
    return {};
  };
  auto rig = TrafficRig::create(o);
  if (!rig) return rig;
  TrafficRig& r = **rig;
  if (!r.driver(1).add_vlan(100)) return std::unexpected(std::string("vf 1 add_vlan refused"));
  if (!r.driver(2).set_multicast(std::span(&kGroup, 1))) return std::unexpected(std::string("vf 2 set_multicast refused"));
  if (!r.driver(2).set_xcast(mbx::XcastMode::kAllMulti)) return std::unexpected(std::string("vf 2 set_xcast refused"));
  if (!r.driver(3).set_mtu(1400)) return std::unexpected(std::string("vf 3 set_mtu refused"));
  r.ledger().mark();
  if (!r.run_until([&r] { return r.all_up() && r.flowing(all_vfs()); }, kWarmup + 100ms)) {
    return std::unexpected(std::string("traffic not flowing before the fault"));
  }
  r.run_for(kWarmup);
  r.ledger().reset_gaps();  // the outage window opens just before the fault
  return rig;
}

FaultResult failed(std::string name, std::string why) {
  FaultResult f;
  f.name = std::move(name);
  f.problems = std::move(why);
  return f;
}

/// Steps until every VF is up and every path of `affected`, then of every VF, carried a frame
/// sent after the mark (set by the caller at `fault_end`); then a little more traffic, the
/// drain, and the checks. `before` is rig.config(admin_only) taken before the fault.
void finish(TrafficRig& rig, FaultResult& f, hal::Nanos fault_end, const std::vector<std::string>& before,
            const std::vector<unsigned>& admin_only = {}) {
  const bool affected_ok =
      rig.run_until([&] { return rig.all_up() && rig.flowing(f.affected); }, kRecoveryLimit);
  if (affected_ok) f.recovery = *rig.flowing_since(f.affected) - fault_end;
  const bool all_ok = rig.run_until([&] { return rig.all_up() && rig.flowing(all_vfs()); }, kRecoveryLimit);
  f.recovered = affected_ok && all_ok;
  rig.run_for(kAfter);
  for (unsigned v : f.affected) {
    for (const PathKey& p : rig.ledger().paths_touching(v)) {
      auto end = [](unsigned e) { return e == kWireEnd ? std::string("w") : std::to_string(e); };
      const std::string name = end(p.from) + "->" + end(p.to);
      if (std::any_of(f.path_outages.begin(), f.path_outages.end(), [&](const auto& o) { return o.first == name; })) {
        continue;
      }
      const hal::Nanos gap = rig.ledger().longest_gap(p, rig.clock().now());
      f.path_outages.emplace_back(name, gap);
      f.outage = std::max(f.outage, gap);
    }
  }
  rig.drain();
  f.misdelivered = rig.ledger().misdelivered();
  const auto after = rig.config(admin_only);
  f.config_restored = after == before;
  const std::string inv = rig.check_invariant();
  f.invariant_held = inv.empty();
  f.frames = rig.totals();
  if (!f.recovered) f.problems += "traffic did not flow again on every VF; ";
  if (!f.config_restored) {
    for (size_t i = 0; i < after.size() && i < before.size(); ++i) {
      if (after[i] != before[i]) f.problems += fmt::format("config was [{}], is [{}]; ", before[i], after[i]);
    }
  }
  if (!f.invariant_held) f.problems += "invariant: " + inv;
}

std::string recovery_text(const FaultResult& f) {
  return f.recovery ? fmt::format("{:.2f} ms", ms(*f.recovery)) : std::string("never");
}

/// The longest outage over the paths that touch VF `vf` (touching: true) or do not.
hal::Nanos outage_of(const FaultResult& f, unsigned vf, bool touching) {
  const std::string me = std::to_string(vf);
  hal::Nanos out{};
  for (const auto& [name, gap] : f.path_outages) {
    const auto arrow = name.find("->");
    const bool t = name.substr(0, arrow) == me || name.substr(arrow + 2) == me;
    if (t == touching) out = std::max(out, gap);
  }
  return out;
}

}  // namespace

FaultResult run_vf_flr(uint64_t seed) {
  auto rig = make_rig(seed);
  if (!rig) return failed("vf-flr", rig.error());
  TrafficRig& r = **rig;
  const unsigned k = static_cast<unsigned>(seed % kVfs);
  FaultResult f;
  f.name = "vf-flr";
  f.affected = {k};
  f.expected = fmt::format(
      "VF {}'s FLR: the PF cleans the VF up (VFLRE), its guest notices, brings up again and restores its "
      "configuration; the other VFs are not reset; traffic resumes",
      k);
  const auto before = r.config();
  const auto flrs = r.pf().vf_info(hal::VfId{k}).counters.flrs;
  f.drops_before = r.totals().drops;
  const hal::Nanos t0 = r.clock().now();
  r.ledger().mark();
  r.flr(k);
  finish(r, f, t0, before);
  const auto flr_delta = r.pf().vf_info(hal::VfId{k}).counters.flrs - flrs;
  unsigned others_reset = 0;
  for (unsigned v = 0; v < kVfs; ++v) {
    if (v != k && r.pf().vf_info(hal::VfId{v}).counters.flrs != 0) ++others_reset;
  }
  if (flr_delta != 1) f.problems += fmt::format("PF counted {} FLRs; ", flr_delta);
  f.observed = fmt::format("PF cleaned up {} FLR; VF {} recovered ({} recoveries), other VFs' FLRs {}; traffic on "
                           "VF {} again after {}; configuration {}",
                           flr_delta, k, r.driver(k).counters().recoveries, others_reset, k, recovery_text(f),
                           f.config_restored ? "restored" : "NOT restored");
  return f;
}

FaultResult run_pf_reset(uint64_t seed) {
  auto rig = make_rig(seed);
  if (!rig) return failed("pf-reset", rig.error());
  TrafficRig& r = **rig;
  FaultResult f;
  f.name = "pf-reset";
  f.affected = all_vfs();
  f.expected =
      "PF reset: every VF sees RSTI/RSTD, resets, restores MAC, VLANs, multicast, MTU and the administrator's settings; "
      "traffic resumes on every VF";
  const auto before = r.config();
  f.drops_before = r.totals().drops;
  const hal::Nanos t0 = r.clock().now();
  r.ledger().mark();
  auto res = r.pf().reset();
  if (!res) return failed("pf-reset", "PF reset: " + res.error().reason);
  finish(r, f, t0, before);
  uint64_t recoveries = 0;
  for (unsigned v = 0; v < kVfs; ++v) recoveries += r.driver(v).counters().recoveries;
  f.observed = fmt::format("{} VFs recovered ({} recoveries); traffic on every VF again after {}; configuration {}",
                           kVfs, recoveries, recovery_text(f), f.config_restored ? "restored" : "NOT restored");
  return f;
}

FaultResult run_guest_killed(uint64_t seed) {
  auto rig = make_rig(seed);
  if (!rig) return failed("guest-killed", rig.error());
  TrafficRig& r = **rig;
  const unsigned k = static_cast<unsigned>(seed % kVfs);
  FaultResult f;
  f.name = "guest-killed";
  f.affected = {k};
  f.fault_duration = 10ms;
  f.expected = fmt::format(
      "VF {}'s guest vanishes without VF_RESET; the host FLRs the VF (as vfio-pci on release), the PF reclaims it "
      "(filters cleaned, not clear to send); frames to it are dropped and counted; a new guest probes it and traffic "
      "resumes with the administrator's settings",
      k);
  // The new guest is a new VM: the guest's own requests are gone, the admin's settings stay.
  const std::vector<unsigned> admin_only = {k};
  const auto before = r.config(admin_only);
  const auto flrs = r.pf().vf_info(hal::VfId{k}).counters.flrs;
  f.drops_before = r.totals().drops;
  r.kill_guest(k);
  r.run_for(f.fault_duration);
  const pf::VfInfo reclaimed = r.pf().vf_info(hal::VfId{k});
  if (reclaimed.counters.flrs != flrs + 1) f.problems += "the PF did not see the FLR; ";
  if (reclaimed.clear_to_send) f.problems += "the reclaimed VF is still clear to send; ";
  const hal::Nanos t0 = r.clock().now();
  r.ledger().mark();
  if (auto s = r.start_guest(k); !s) f.problems += "new guest: " + s.error() + "; ";
  finish(r, f, t0, before, admin_only);
  f.observed = fmt::format(
      "PF reclaimed VF {} (FLR counted, clear_to_send {}); {} frames dropped and counted over the run; the new "
      "guest's traffic flowed {} after it started; admin settings {}",
      k, reclaimed.clear_to_send, f.frames.dropped(), recovery_text(f), f.config_restored ? "kept" : "NOT kept");
  return f;
}

FaultResult run_link_flap(uint64_t seed) {
  auto rig = make_rig(seed);
  if (!rig) return failed("link-flap", rig.error());
  TrafficRig& r = **rig;
  FaultResult f;
  f.name = "link-flap";
  f.affected = all_vfs();
  f.fault_duration = 10ms;
  f.expected =
      "link down 10 ms: LSC, the PF pings every VF, guests' links go down and they stop sending, wire copies in "
      "flight counted link_down; link up: guests' links come back and traffic resumes on every VF";
  const auto before = r.config();
  f.drops_before = r.totals().drops;
  const hal::Nanos t_down = r.clock().now();
  r.set_link(false);
  auto all_down = [&r] {
    for (unsigned v = 0; v < kVfs; ++v) {
      if (r.driver(v).link_up()) return false;
    }
    return true;
  };
  const bool followed = r.run_until(all_down, f.fault_duration);
  const hal::Nanos down_seen = r.clock().now() - t_down;
  if (!followed) f.problems += "guests' links did not go down; ";
  r.run_for(t_down + f.fault_duration - r.clock().now());
  const hal::Nanos t_up = r.clock().now();
  r.ledger().mark();
  r.set_link(true);
  finish(r, f, t_up, before);
  f.observed = fmt::format(
      "every guest saw link down {:.2f} ms after it went; {} wire copies counted link_down; traffic on every VF "
      "again {} after link up; configuration {}",
      ms(down_seen), f.frames.drops.contains("link_down") ? f.frames.drops.at("link_down") : 0, recovery_text(f),
      f.config_restored ? "unchanged" : "CHANGED");
  return f;
}

FaultResult run_mailbox_stall(uint64_t seed, hal::Nanos stall) {
  const std::string name = fmt::format("mailbox-stall-{}ms", stall.count() / 1'000'000);
  auto rig = make_rig(seed);
  if (!rig) return failed(name, rig.error());
  TrafficRig& r = **rig;
  const unsigned k = static_cast<unsigned>(seed % kVfs);
  constexpr uint16_t kVid = 200;
  constexpr hal::Nanos kMailboxTimeout = 1s;  // mbx::VfMailboxParams: 2000 tries of 500 us
  const bool times_out = stall >= kMailboxTimeout;
  FaultResult f;
  f.name = name;
  f.affected = all_vfs();
  f.fault_duration = stall;
  f.expected =
      times_out
          ? fmt::format(
                "no PF service for {:.0f} ms while VF {} asks for VLAN {}: the request times out after 1 s, the VF "
                "driver disables its mailbox and resets itself, so VF {}'s own traffic stops (its queues reset, "
                "frames to it counted) until the PF serves again and its bring-up completes, with the VLAN applied "
                "then; the other VFs' traffic never needs the PF (no gap over a few ticks); no VF left wedged",
                ms(stall), k, kVid, k)
          : fmt::format(
                "no PF service for {:.0f} ms while VF {} asks for VLAN {}: shorter than the VF's mailbox timeout "
                "(1 s), the request just waits and is answered once the PF serves again; traffic on every VF never "
                "needs the PF (no gap over a few ticks)",
                ms(stall), k, kVid);
  // The configuration afterwards: every VF as before, VF k with the VLAN it asked for.
  auto expect = r.config();
  {
    const hal::VfId id{k};
    auto vlans = r.pf().vf_vlans(id);
    vlans.insert(std::upper_bound(vlans.begin(), vlans.end(), kVid), kVid);
    expect[k] = config_line(r.pf().vf_info(id), vlans, false);
  }
  f.drops_before = r.totals().drops;
  const uint64_t timeouts0 = r.driver(k).counters().timeouts;
  const hal::Nanos t0 = r.clock().now();
  r.stall_pf_until(t0 + stall);
  const auto req = r.driver(k).add_vlan(kVid);
  const hal::Nanos answered = r.clock().now() - t0;
  if (r.clock().now() < t0 + stall) r.run_for(t0 + stall - r.clock().now());
  const hal::Nanos t_end = r.clock().now();
  r.ledger().mark();
  finish(r, f, t_end, expect);
  const auto vlans = r.pf().vf_vlans(hal::VfId{k});
  const bool vlan_in = std::find(vlans.begin(), vlans.end(), kVid) != vlans.end();
  const uint64_t timeouts = r.driver(k).counters().timeouts - timeouts0;
  const hal::Nanos own = outage_of(f, k, true), others = outage_of(f, k, false);
  if (others > kUnaffectedGap) {
    f.problems += fmt::format("the other VFs' traffic stopped for {:.2f} ms; ", ms(others));
  }
  if (!times_out && own > kUnaffectedGap) {
    f.problems += fmt::format("VF {}'s traffic stopped for {:.2f} ms; ", k, ms(own));
  }
  if (times_out != (timeouts != 0)) f.problems += fmt::format("{} mailbox timeouts; ", timeouts);
  f.observed = fmt::format(
      "VF {}'s request {} after {:.1f} ms ({} timeouts); VLAN {} {} in its pool afterwards; every VF up; longest "
      "gap between frames: {:.2f} ms on VF {}'s paths, {:.2f} ms on the others'; traffic on every VF {} after the "
      "PF resumed",
      k, req ? "answered" : fmt::format("failed ({})", vf::to_string(req.error())), ms(answered), timeouts, kVid,
      vlan_in ? "is" : "is NOT", ms(own), k, ms(others), recovery_text(f));
  return f;
}

FaultResult run_wire_errors(uint64_t seed) {
  auto rig = make_rig(seed);
  if (!rig) return failed("wire-errors", rig.error());
  TrafficRig& r = **rig;
  const unsigned k = static_cast<unsigned>(seed % kVfs);
  constexpr unsigned kEach = 10;
  FaultResult f;
  f.name = "wire-errors";
  f.affected = all_vfs();
  f.expected = fmt::format(
      "{} each of runts, fragments, oversize, jabbers and bad-FCS frames to VF {} amid traffic: none delivered; "
      "RUC, RFC, ROC, RJC = {} each, CRCERRS = {} (bad FCS and jabbers), RLEC = 0 (no length-field "
      "errors); accounting: fragments, jabbers and bad FCS as wire_crc_error, runts as wire_undersize, "
      "oversize as oversize; traffic unaffected",
      kEach, k, kEach, 2 * kEach);
  const auto before = r.config();
  namespace pfr = hal::ixgbe::pf;
  const uint32_t max_frame = r.device().pf().bar0().read(pfr::MAXFRS) >> pfr::maxfrs::kMfsShift;
  f.drops_before = r.totals().drops;
  const hal::Nanos t0 = r.clock().now();
  r.ledger().mark();
  for (WireError e : {WireError::kRunt, WireError::kFragment, WireError::kOversize, WireError::kJabber,
                      WireError::kBadFcs}) {
    r.peer().queue_bad(e, r.vf_mac(k), kEach, max_frame);
  }
  finish(r, f, t0, before);
  const auto& m = f.frames.mac;
  auto get = [&m](const char* n) -> uint64_t { return m.contains(n) ? m.at(n) : 0; };
  f.observed = fmt::format(
      "{} delivered; CRCERRS {} RFC {} RJC {} RUC {} ROC {} RLEC {}; traffic on every VF {} after the first bad "
      "frame",
      f.frames.bad_delivered, get("CRCERRS"), get("RFC"), get("RJC"), get("RUC"), get("ROC"), get("RLEC"),
      recovery_text(f));
  if (get("CRCERRS") != 2 * kEach || get("RFC") != kEach || get("RJC") != kEach || get("RUC") != kEach ||
      get("ROC") != kEach || get("RLEC") != 0) {
    f.problems += "MAC counters differ from the expected; ";
  }
  return f;
}

std::vector<FaultResult> run_all_faults(uint64_t seed) {
  std::vector<FaultResult> out;
  out.push_back(run_vf_flr(seed));
  out.push_back(run_pf_reset(seed));
  out.push_back(run_guest_killed(seed));
  out.push_back(run_link_flap(seed));
  out.push_back(run_mailbox_stall(seed, 50ms));
  out.push_back(run_mailbox_stall(seed, 2s));
  out.push_back(run_wire_errors(seed));
  return out;
}

}  // namespace harness::faults
