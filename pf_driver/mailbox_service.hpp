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
/// A message the flood guard holds (mailbox_guard.hpp) stays pending, unread, for a later
/// pass: call again within a millisecond or so while any is (the threaded host's 1 ms wait
/// does). Returns how many events (link changes, FLRs, messages served, acks, pings written)
/// it handled; a held message is not one.
size_t service_pass(PfCore& c);

}  // namespace pf
