#pragma once
// A hook that sees every mailbox message a transport moves, for --trace-mailbox and tests.

#include <cstdint>
#include <functional>
#include <span>

#include "hal/types.hpp"

namespace mbx {

enum class Direction { kVfToPf, kPfToVf };

/// Called with the VF, the direction and exactly the words moved. Must not call back into the
/// mailbox. Keep it cheap: it runs on the message path.
using TraceFn = std::function<void(hal::VfId, Direction, std::span<const uint32_t>)>;

/// "mbx vf=N pf->vf 80000001 ..." as --trace-mailbox prints it.
std::string format_trace(hal::VfId vf, Direction dir, std::span<const uint32_t> words);

}  // namespace mbx
