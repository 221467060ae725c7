#include "tools/flood_args.hpp"

#include <chrono>
#include <string>
#include <vector>

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

}  // namespace

void add_flood_options(CLI::App& app, pf::MailboxFloodPolicy& policy) {
  const std::string group = "Mailbox flood guard (docs/reliability.md)";
  std::vector<CLI::Option*> limits;
  limits.push_back(app.add_option_function<uint32_t>(
                         "--mailbox-rate", [&policy](uint32_t v) { policy.rate_per_s = v; },
                         "requests per second served per VF; more wait for their turn; 0 "
                         "turns the guard off")
                       ->check(CLI::Validator(check_rate, "RATE", "mailbox rate"))
                       ->default_str(std::to_string(policy.rate_per_s))
                       ->group(group));
  limits.push_back(app.add_option_function<uint32_t>(
                         "--mailbox-burst", [&policy](uint32_t v) { policy.burst = v; },
                         "requests a VF may send back to back beyond the rate")
                       ->check(CLI::Range(1u, 100000u))
                       ->default_str(std::to_string(policy.burst))
                       ->group(group));
  limits.push_back(
      app.add_option_function<uint32_t>(
             "--mailbox-reset-period",
             [&policy](uint32_t ms) { policy.reset_period = milliseconds(ms); },
             "milliseconds per VF_RESET served in the long run (0: only the request rate)")
          ->check(CLI::Range(0u, static_cast<uint32_t>(
                                     duration_cast<milliseconds>(
                                         pf::MailboxFloodPolicy::kMaxResetPeriod)
                                         .count())))
          ->default_str(std::to_string(duration_cast<milliseconds>(policy.reset_period).count()))
          ->group(group));
  limits.push_back(app.add_option_function<uint32_t>(
                         "--mailbox-reset-burst",
                         [&policy](uint32_t v) { policy.reset_burst = v; },
                         "VF_RESETs a VF may send back to back")
                       ->check(CLI::Range(1u, 1000u))
                       ->default_str(std::to_string(policy.reset_burst))
                       ->group(group));
  limits.push_back(
      app.add_option_function<uint32_t>(
             "--mailbox-report-interval",
             [&policy](uint32_t ms) { policy.report_interval = milliseconds(ms); },
             "milliseconds between a VF's rate-limit events (one per interval, with the count)")
          ->check(CLI::Range(1u, 60000u))
          ->default_str(
              std::to_string(duration_cast<milliseconds>(policy.report_interval).count()))
          ->group(group));
  limits.push_back(
      app.add_option_function<double>(
             "--mailbox-disable-after",
             [&policy](double s) {
               policy.disable_after = duration_cast<hal::Nanos>(duration<double>(s));
             },
             "seconds of flooding after which a VF is disabled (0: never)")
          ->check(CLI::Range(0.0, 86400.0))
          ->default_str(fmt::format("{:g}", duration<double>(policy.disable_after).count()))
          ->group(group));
  limits.push_back(app.add_option_function<uint32_t>(
                         "--mailbox-event-rate",
                         [&policy](uint32_t v) { policy.event_rate_per_s = v; },
                         "events per second a VF's own requests may add to the log (0: all)")
                       ->check(CLI::Range(0u, 1000000u))
                       ->default_str(std::to_string(policy.event_rate_per_s))
                       ->group(group));
  limits.push_back(app.add_option_function<uint32_t>(
                         "--mailbox-event-burst",
                         [&policy](uint32_t v) { policy.event_burst = v; },
                         "such events a VF may cause back to back")
                       ->check(CLI::Range(1u, 100000u))
                       ->default_str(std::to_string(policy.event_burst))
                       ->group(group));
  CLI::Option* guard =
      app.add_option_function<std::string>(
             "--mailbox-guard",
             [&policy](const std::string& v) {
               if (v == "off") policy = pf::MailboxFloodPolicy::off();
             },
             "off: no request limit, no disable, every event kept")
          ->check(CLI::IsMember({"on", "off"}))
          ->default_str("on")
          ->group(group);
  for (CLI::Option* o : limits) guard->excludes(o);
}

}  // namespace tools
