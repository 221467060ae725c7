#include "hal/sim/reg_trace.hpp"

#include <fmt/format.h>

namespace sim {

std::string format_access(const RegAccess& a) {
  const std::string who = a.function < 0 ? std::string("pf") : fmt::format("vf{}", a.function);
  return fmt::format("{:<4} {} {} {:#07x} {:08x}", who, a.write ? 'W' : 'R',
                     a.space == Space::kBar0 ? "bar0" : "cfg ", a.offset, a.value);
}

}  // namespace sim
