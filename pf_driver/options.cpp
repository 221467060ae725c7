#include "pf_driver/options.hpp"

namespace pf {

std::string_view to_string(LinkState s) {
  switch (s) {
    case LinkState::kAuto: return "auto";
    case LinkState::kEnable: return "enable";
    case LinkState::kDisable: return "disable";
  }
  return "unknown";
}

}  // namespace pf
