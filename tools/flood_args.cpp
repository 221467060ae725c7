#include "tools/flood_args.hpp"

#include <chrono>
#include <cmath>
#include <string>

#include <fmt/format.h>

namespace tools {

namespace {

using std::chrono::duration;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

/// 0, or a rate a held request survives: below kMinRatePerS a hold could outlast a VF
/// driver's 1 s mailbox timeout, so it is refused rather than quietly raised.
std::string check_rate(const std::string& text) {
  try {
    const unsigned long v = std::stoul(text);
    if (v == 0 || (v >= pf::MailboxFloodPolicy::kMinRatePerS && v <= 1000000)) return {};
  } catch (const std::exception&) {
  }
  return "0 (off) or " + std::to_string(pf::MailboxFloodPolicy::kMinRatePerS) +
         "..1000000 requests per second";
}

/// 0 (never) or a finite number of seconds from 1 ms to a day: NaN would reach an undefined
/// conversion, and a positive value under 1 ms would truncate to 0, which means "never".
std::string check_disable_after(const std::string& text) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v) && (v == 0 || (v >= 0.001 && v <= 86400))) {
      return {};
    }
  } catch (const std::exception&) {
  }
  return "0 (never) or 0.001..86400 seconds";
}

}  // namespace

void add_flood_options(CLI::App& app, pf::MailboxFloodPolicy& policy) {
  const std::string group = "Mailbox flood guard (docs/reliability.md)";
  const auto ms_of = [](hal::Nanos d) {
    return static_cast<uint32_t>(duration_cast<milliseconds>(d).count());
  };
  app.add_option_function<uint32_t>(
         "--mailbox-rate", [&policy](uint32_t v) { policy.rate_per_s = v; },
         "requests per second served per VF; more wait for their turn; 0 turns the guard off")
      ->check(CLI::Validator(check_rate, "RATE", "mailbox rate"))
      ->default_str(std::to_string(policy.rate_per_s))
      ->group(group);
  app.add_option_function<uint32_t>(
         "--mailbox-burst", [&policy](uint32_t v) { policy.burst = v; },
         "requests a VF may send back to back beyond the rate")
      ->check(CLI::Range(1u, 100000u))
      ->default_str(std::to_string(policy.burst))
      ->group(group);
  app.add_option_function<uint32_t>(
         "--mailbox-reset-period",
         [&policy](uint32_t ms) { policy.reset_period = milliseconds(ms); },
         "milliseconds per VF_RESET served in the long run (0: only the request rate)")
      ->check(CLI::Range(0u, ms_of(pf::MailboxFloodPolicy::kMaxResetPeriod)))
      ->default_str(std::to_string(ms_of(policy.reset_period)))
      ->group(group);
  app.add_option_function<uint32_t>(
         "--mailbox-reset-burst", [&policy](uint32_t v) { policy.reset_burst = v; },
         "VF_RESETs a VF may send back to back")
      ->check(CLI::Range(1u, 1000u))
      ->default_str(std::to_string(policy.reset_burst))
      ->group(group);
  app.add_option_function<uint32_t>(
         "--mailbox-report-interval",
         [&policy](uint32_t ms) { policy.report_interval = milliseconds(ms); },
         "milliseconds between a VF's rate-limit events (one per interval, with the count); "
         "the window a flood is judged over")
      ->check(CLI::Range(ms_of(pf::MailboxFloodPolicy::kMinReportInterval), 60000u))
      ->default_str(std::to_string(ms_of(policy.report_interval)))
      ->group(group);
  app.add_option_function<double>(
         "--mailbox-disable-after",
         [&policy](double s) {
           policy.disable_after = duration_cast<hal::Nanos>(duration<double>(s));
         },
         "seconds of flooding after which a VF is disabled (0: never; else at least two "
         "report intervals)")
      ->check(CLI::Validator(check_disable_after, "SECONDS", "mailbox disable-after"))
      ->default_str(fmt::format("{:g}", duration<double>(policy.disable_after).count()))
      ->group(group);
  app.add_option_function<uint32_t>(
         "--mailbox-event-rate", [&policy](uint32_t v) { policy.event_rate_per_s = v; },
         "events per second a VF's own requests may add to the log (0: all)")
      ->check(CLI::Range(0u, 1000000u))
      ->default_str(std::to_string(policy.event_rate_per_s))
      ->group(group);
  app.add_option_function<uint32_t>(
         "--mailbox-event-burst", [&policy](uint32_t v) { policy.event_burst = v; },
         "such events a VF may cause back to back")
      ->check(CLI::Range(1u, 100000u))
      ->default_str(std::to_string(policy.event_burst))
      ->group(group);
  // Defined last, so that its callback runs after the others'; check_flood_options()
  // refuses "off" with any of them.
  app.add_option_function<std::string>(
         "--mailbox-guard",
         [&policy](const std::string& v) {
           if (v == "off") policy = pf::MailboxFloodPolicy::off();
         },
         "off: no request limit, no disable, every event kept (not with the options above)")
      ->check(CLI::IsMember({"on", "off"}))
      ->default_str("on")
      ->group(group);
}

std::string check_flood_options(const CLI::App& app, const pf::MailboxFloodPolicy& policy) {
  // Only "off" excludes the limits: "--mailbox-guard on --mailbox-rate 500" is consistent.
  const CLI::Option* guard = app.get_option_no_throw("--mailbox-guard");
  if (guard != nullptr && guard->count() != 0 && guard->as<std::string>() == "off") {
    for (const char* name : kFloodOptionNames) {
      const CLI::Option* o = app.get_option_no_throw(name);
      if (o != nullptr && o != guard && o->count() != 0) {
        return fmt::format("--mailbox-guard off: not with {} (off turns every limit off)", name);
      }
    }
  }
  if (std::string why = policy.validate(); !why.empty()) return "--mailbox-*: " + why;
  return {};
}

}  // namespace tools
