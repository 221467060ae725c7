#pragma once
// The PF's mailbox service (Linux ixgbe_msg_task): one pass over every VF, FLR first, then a
// pending message, then a pending ack (spec 3b, 3e, 4d). Never blocks, sleeps or allocates.

#include <cstddef>

#include "pf_driver/pf_core.hpp"

namespace pf {

/// One service pass: drains the interrupt eventfd, clears and handles the "other" interrupt
/// causes (link change), then for each VF with a pending event handles FLR, message, ack.
/// Returns how many events (link changes, FLRs, messages, acks) it handled.
size_t service_pass(PfCore& c);

}  // namespace pf
