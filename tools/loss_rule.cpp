#include "tools/loss_rule.hpp"

#include <fmt/format.h>

namespace tools {

std::optional<double> default_max_loss(bool rate_limited) {
  if (rate_limited) return 0.0;
  return std::nullopt;
}

std::vector<std::string> judge_loss(std::span<const PairLoss> pairs,
                                    std::optional<double> max_percent) {
  std::vector<std::string> problems;
  for (const PairLoss& p : pairs) {
    if (p.sent == 0) continue;  // nothing sent: a TX problem, which the caller reports
    if (p.received == 0) {
      problems.push_back(
          fmt::format("{} received none of {}'s {} frames", p.receiver, p.sender, p.sent));
      continue;
    }
    if (!max_percent || p.received >= p.sent) continue;
    const uint64_t lost = p.sent - p.received;
    const double percent = 100.0 * static_cast<double>(lost) / static_cast<double>(p.sent);
    if (percent > *max_percent) {
      problems.push_back(
          fmt::format("{} lost {} of {}'s {} frames ({:.2f}%), more than --max-loss {}%",
                      p.receiver, lost, p.sender, p.sent, percent, *max_percent));
    }
  }
  return problems;
}

std::string check_max_loss(double percent) {
  if (percent >= 0 && percent <= 100) return {};
  return fmt::format("--max-loss {}: a percentage, 0..100", percent);
}

}  // namespace tools
