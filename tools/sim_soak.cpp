#include "tools/sim_soak.hpp"

#include <chrono>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "datapath/eal.hpp"
#include "harness/soak/duration.hpp"
#include "harness/soak/runner.hpp"

namespace tools {
namespace soak = harness::soak;
namespace {

/// Options a soak does not take: it builds its own stepped host, traffic and admin settings.
constexpr const char* kNotWithSoak[] = {
    "--name",     "--wire",           "--foreground",      "--event-log",   "--traffic",
    "--pattern",  "--frame-size",     "--rate",            "--mode",        "--vf-interrupts",
    "--trace-mailbox", "--trace-registers", "--events",    "--vf-mac",      "--vf-vlan",
    "--vf-trust", "--vf-spoofchk"};

/// The flood guard's options (tools/flood_args.hpp): passed through to the soak's PF when the
/// caller gives add_soak_options their policy, refused with --soak otherwise.
constexpr const char* kMailboxOptions[] = {
    "--mailbox-rate",         "--mailbox-burst",           "--mailbox-reset-period",
    "--mailbox-reset-burst",  "--mailbox-report-interval", "--mailbox-disable-after",
    "--mailbox-event-rate",   "--mailbox-event-burst",     "--mailbox-guard"};

void exclude(CLI::App& app, SoakArgs& args, const char* name) {
  if (CLI::Option* o = app.get_option_no_throw(name)) {
    args.soak->excludes(o);
    args.soak_iterations->excludes(o);
  }
}

/// The flood policy in one phrase, so a run's output says which policy it ran with.
std::string describe_guard(const pf::MailboxFloodPolicy& p) {
  if (p.rate_per_s == 0) return "off";
  using std::chrono::milliseconds;
  return fmt::format("{}/s burst {}, VF_RESET every {} ms burst {}, disable after {} ms",
                     p.rate_per_s, p.burst,
                     std::chrono::duration_cast<milliseconds>(p.reset_period).count(), p.reset_burst,
                     std::chrono::duration_cast<milliseconds>(p.disable_after).count());
}

double us(hal::Nanos t) { return std::chrono::duration<double, std::micro>(t).count(); }

std::string replay_hint(const soak::SoakReport& r) {
  return fmt::format("sriov-sim --soak-iterations {} --seed {} --vfs {}", r.iterations, r.seed,
                     r.num_vfs);
}

/// Totals of the guests' books.
struct Frames {
  uint64_t sent = 0, taken = 0, tx_freed = 0, delivered = 0, read = 0, rx_freed = 0;
};

Frames frames(const soak::SoakReport& r) {
  Frames f;
  for (const soak::GuestTraffic& t : r.snapshot.traffic) {
    f.sent += t.sent;
    f.taken += t.tx_taken;
    f.tx_freed += t.tx_abandoned;
    f.delivered += t.delivered;
    f.read += t.received;
    f.rx_freed += t.rx_abandoned;
  }
  return f;
}

/// Every drop counter of the device's accounting, by name (zeros included: JSON keeps them all).
std::vector<std::pair<std::string, uint64_t>> drops(const sim::Accounting& a) {
  std::vector<std::pair<std::string, uint64_t>> d;
  a.for_each_drop([&d](std::string_view name, uint64_t n) { d.emplace_back(std::string(name), n); });
  return d;
}

bool is_fault(soak::OpKind k) {
  return k == soak::OpKind::kPfReset || k == soak::OpKind::kHostFlr ||
         k == soak::OpKind::kGuestReset;
}

std::string format_text(const soak::SoakReport& r) {
  std::string out = fmt::format(
      "soak: seed {}, {} VFs, {} iterations, {} steps, {:.3f} s simulated, {:.1f} s wall\n",
      r.seed, r.num_vfs, r.iterations, r.steps, us(r.simulated) / 1e6, r.wall_seconds);
  out += fmt::format("{:<12} {:>10} {:>10} {:>8}\n", "operation", "done", "refused", "failed");
  for (size_t k = 0; k < soak::kNumOpKinds; ++k) {
    out += fmt::format("{:<12} {:>10} {:>10} {:>8}\n", soak::to_string(static_cast<soak::OpKind>(k)),
                       r.ops[k].done, r.ops[k].refused, r.ops[k].failed);
  }
  const Frames f = frames(r);
  const sim::Accounting& a = r.snapshot.accounting;
  out += fmt::format(
      "frames: guests sent {}, the device took {}, resets freed {} unsent; delivered {}, "
      "guests read {}, resets freed {} unread; to the wire {}\n",
      f.sent, f.taken, f.tx_freed, f.delivered, f.read, f.rx_freed, a.to_wire);
  out += "drops:";
  for (const auto& [name, n] : drops(a)) {
    if (n != 0) out += fmt::format(" {}={}", name, n);
  }
  out += "\n";
  out += fmt::format(
      "resets: VF_RESET served {}, FLRs cleaned up {}, guest VFCTRL.RST {}, guest recoveries {}, "
      "mailbox timeouts {}, queue set-ups {} ({} failed)\n",
      r.pf_vf_resets, r.pf_flrs, r.guest_resets, r.guest_recoveries, r.guest_timeouts,
      r.queue_lives, r.queue_setup_failures);
  out += fmt::format("{:<12} {:>8} {:>10} {:>10} {:>12} {:>12}\n", "recovery", "faults",
                     "recovered", "overlapped", "mean us", "max us");
  for (size_t k = 0; k < soak::kNumOpKinds; ++k) {
    if (!is_fault(static_cast<soak::OpKind>(k))) continue;
    const soak::RecoveryStats& s = r.recovery[k];
    out += fmt::format("{:<12} {:>8} {:>10} {:>10} {:>12.0f} {:>12.0f}\n",
                       soak::to_string(static_cast<soak::OpKind>(k)), s.faults, s.recovered,
                       s.overlapped, us(s.mean()), us(s.max));
  }
  out += fmt::format(
      "quiesce: {} VFs set back to link state auto, {} guests reloaded for an admin MAC, settled "
      "in {:.0f} us{}\n",
      r.quiesce_enables, r.quiesce_reloads, us(r.quiesce_time), r.quiesced ? "" : " (did NOT settle)");
  for (const auto& n : r.notes) out += "note: " + n + "\n";
  if (r.passed()) {
    out += "result: PASS\n";
  } else {
    out += fmt::format("result: FAIL, {} violation(s); replay: {}\n", r.violation_count,
                       replay_hint(r));
    for (const auto& v : r.violations) out += "  " + v + "\n";
  }
  return out;
}

nlohmann::json to_json(const soak::SoakReport& r) {
  nlohmann::json j;
  j["seed"] = r.seed;
  j["vfs"] = r.num_vfs;
  j["iterations"] = r.iterations;
  j["steps"] = r.steps;
  j["simulated_us"] = us(r.simulated);
  j["wall_s"] = r.wall_seconds;
  for (size_t k = 0; k < soak::kNumOpKinds; ++k) {
    j["operations"][std::string(soak::to_string(static_cast<soak::OpKind>(k)))] = {
        {"done", r.ops[k].done}, {"refused", r.ops[k].refused}, {"failed", r.ops[k].failed}};
  }
  const Frames f = frames(r);
  const sim::Accounting& a = r.snapshot.accounting;
  j["frames"] = {{"sent", f.sent},           {"taken", f.taken},
                 {"freed_unsent", f.tx_freed}, {"delivered", f.delivered},
                 {"read", f.read},           {"freed_unread", f.rx_freed},
                 {"offered_tx", a.offered_tx}, {"switched", a.switched},
                 {"copies", a.copies},       {"to_wire", a.to_wire}};
  for (const auto& [name, n] : drops(a)) j["drops"][name] = n;
  j["resets"] = {{"vf_reset_served", r.pf_vf_resets}, {"flrs", r.pf_flrs},
                 {"guest_resets", r.guest_resets},     {"guest_recoveries", r.guest_recoveries},
                 {"mailbox_timeouts", r.guest_timeouts}, {"queue_setups", r.queue_lives},
                 {"queue_setup_failures", r.queue_setup_failures}};
  for (size_t k = 0; k < soak::kNumOpKinds; ++k) {
    if (!is_fault(static_cast<soak::OpKind>(k))) continue;
    const soak::RecoveryStats& s = r.recovery[k];
    j["recovery"][std::string(soak::to_string(static_cast<soak::OpKind>(k)))] = {
        {"faults", s.faults},         {"recovered", s.recovered}, {"overlapped", s.overlapped},
        {"mean_us", us(s.mean())},    {"max_us", us(s.max)}};
  }
  j["quiesce"] = {{"enabled", r.quiesce_enables}, {"reloaded", r.quiesce_reloads},
                  {"settled", r.quiesced},
                  {"us", us(r.quiesce_time)}};
  j["notes"] = r.notes;
  j["passed"] = r.passed();
  j["violation_count"] = r.violation_count;
  j["violations"] = r.violations;
  if (!r.passed()) j["replay"] = replay_hint(r);
  return j;
}

}  // namespace

bool SoakArgs::requested() const {
  return (soak != nullptr && soak->count() != 0) ||
         (soak_iterations != nullptr && soak_iterations->count() != 0);
}

void add_soak_options(CLI::App& app, SoakArgs& args, const pf::MailboxFloodPolicy* mailbox_flood) {
  args.mailbox_flood = mailbox_flood;
  args.soak = app.add_option("--soak", args.duration,
                             "run a soak for DURATION (120s, 2m, 30m, 1h): 63 VFs, random admin "
                             "changes, resets, FLRs and traffic, then checks")
                  ->type_name("DURATION")
                  ->check([](const std::string& s) {
                    auto d = soak::parse_duration(s);
                    return d ? std::string() : d.error();
                  });
  args.soak_iterations =
      app.add_option("--soak-iterations", args.iterations,
                     "soak: run exactly N iterations (replays a run with its --seed)")
          ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  for (const char* name : kNotWithSoak) exclude(app, args, name);
  if (mailbox_flood == nullptr) {
    for (const char* name : kMailboxOptions) exclude(app, args, name);
  }
}

int run_soak_main(const SoakArgs& args, unsigned vfs, uint64_t seed, bool json) {
  if (vfs < 2 || vfs > 63) {
    fmt::print(stderr, "sriov-sim: --soak: needs 2 to 63 VFs, --vfs gave {}\n", vfs);
    return 2;
  }
  soak::SoakOptions o;
  o.seed = seed;
  o.num_vfs = vfs;
  if (args.soak != nullptr && args.soak->count() != 0) o.duration = *soak::parse_duration(args.duration);
  if (args.iterations != 0) o.iterations = args.iterations;
  if (args.mailbox_flood != nullptr) o.mailbox_flood = *args.mailbox_flood;
  // The seed first, so even a run that never finishes can be replayed.
  std::FILE* head = json ? stderr : stdout;
  fmt::print(head, "soak: seed {}, {} VFs, {}, mailbox guard {}\n", seed, vfs,
             o.iterations ? fmt::format("{} iterations", *o.iterations)
                          : fmt::format("for {}", args.duration),
             describe_guard(o.mailbox_flood));
  std::fflush(head);
  auto last = std::chrono::steady_clock::now();
  o.progress_every = 1024;
  o.progress = [&last](uint64_t done) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::seconds(30)) return;
    last = now;
    fmt::print(stderr, "soak: {} iterations\n", done);
  };

  dp::EalOptions eo;
  eo.program = "sriov-sim";
  eo.memory_mb = 128 + 2 * vfs;
  auto eal = dp::Eal::init(eo);
  if (!eal) {
    fmt::print(stderr, "sriov-sim: soak: EAL: {}\n", eal.error());
    return 1;
  }
  auto r = soak::run_soak(o);
  if (!r) {
    fmt::print(stderr, "sriov-sim: soak: {}\n", r.error());
    return 1;
  }
  if (json) {
    fmt::print("{}\n", to_json(*r).dump(2));
  } else {
    fmt::print("{}", format_text(*r));
  }
  if (!r->passed()) {
    fmt::print(stderr, "sriov-sim: soak FAILED ({} violations; replay: {})\n", r->violation_count,
               replay_hint(*r));
    for (const auto& v : r->violations) fmt::print(stderr, "sriov-sim: {}\n", v);
    return 1;
  }
  return 0;
}

}  // namespace tools
