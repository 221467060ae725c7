#pragma once
// The PF's mailbox service (Linux ixgbe_msg_task): one pass over every VF, FLR first, then a
// pending message, an owed ping, then a pending ack (spec 3b, 3e, 4d). Never blocks, sleeps
// or allocates.

#include <cstddef>

#include "pf_driver/pf_core.hpp"

namespace pf {

/// One service pass: drains the interrupt eventfd, clears and handles the "other" interrupt
/// causes (a link change owes every VF a ping), then for each VF handles, in this order, its
/// FLR and message if pending, its owed ping if the mailbox is free (outbox.hpp), its ack.
/// Returns how many events (link changes, FLRs, messages, acks, pings written) it handled.
size_t service_pass(PfCore& c);

}  // namespace pf
