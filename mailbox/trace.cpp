#include "mailbox/trace.hpp"

#include <iterator>
#include <string>

#include <fmt/format.h>

namespace mbx {

std::string format_trace(hal::VfId vf, Direction dir, std::span<const uint32_t> words) {
  std::string out =
      fmt::format("mbx vf={} {}", vf.value(), dir == Direction::kVfToPf ? "vf->pf" : "pf->vf");
  for (const uint32_t w : words) fmt::format_to(std::back_inserter(out), " {:08x}", w);
  return out;
}

}  // namespace mbx
