#include "hal/sim/frame.hpp"

namespace sim {

std::string_view to_string(FrameError e) {
  switch (e) {
    case FrameError::kRunt: return "runt";
    case FrameError::kTruncatedTag: return "truncated_tag";
  }
  return "unknown";
}

}  // namespace sim
