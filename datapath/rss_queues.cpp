#include "datapath/rss_queues.hpp"

#include <fmt/format.h>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/ixgbe/regs_vf.hpp"

namespace dp {

std::expected<void, QueueError> set_vf_rss_queues(hal::PciFunction& fn, unsigned queues) {
  unsigned rqpl = 0;
  switch (queues) {
    case 1: rqpl = 0; break;
    case 2: rqpl = 1; break;
    case 4: rqpl = 2; break;
    default:
      return std::unexpected(QueueError{QueueErrc::kInvalidArgument,
                                        fmt::format("RSS over {} queues: the 82599 pools take 1, 2 or 4", queues)});
  }
  fn.bar0().write(hal::ixgbe::vf::VFPSRTYPE, rqpl << hal::ixgbe::pf::psrtype::kRqplShift);
  return {};
}

}  // namespace dp
