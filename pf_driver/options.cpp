#include "pf_driver/options.hpp"

#include <fmt/format.h>

namespace pf {

std::string_view to_string(LinkState s) {
  switch (s) {
    case LinkState::kAuto: return "auto";
    case LinkState::kEnable: return "enable";
    case LinkState::kDisable: return "disable";
  }
  return "unknown";
}

std::string MailboxFloodPolicy::validate() const {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto ms = [](hal::Nanos d) { return duration_cast<milliseconds>(d).count(); };
  if (report_interval < kMinReportInterval) {
    return fmt::format("mailbox report interval {} ms: at least {} ms (a flood is judged over "
                       "it, and a burst must not fill it)",
                       ms(report_interval), ms(kMinReportInterval));
  }
  if (reset_period < hal::Nanos::zero()) return "mailbox reset period is negative";
  if (disable_after < hal::Nanos::zero()) return "mailbox disable-after is negative";
  if (disable_after != hal::Nanos::zero() && disable_after < 2 * report_interval) {
    return fmt::format("mailbox disable-after {} ms: 0 (never) or at least two report intervals "
                       "({} ms), so that a burst never counts as a flood",
                       ms(disable_after), ms(2 * report_interval));
  }
  return {};
}

}  // namespace pf
