// Parking the device engine's thread when it has been idle, and waking it on a doorbell.
#include "hal/sim/device_model.hpp"

#include <algorithm>
#include <thread>

namespace sim {

void DeviceModel::park_engine(std::chrono::nanoseconds timeout) {
  // A queue held back by the rate limiter is due at a known time: sleep no longer than that.
  if (const uint64_t due = shaper_due_ns_.load(std::memory_order_relaxed); due != UINT64_MAX) {
    const uint64_t now = now_ns();
    if (due <= now) return;
    timeout = std::min(timeout, std::chrono::nanoseconds(due - now));
  }
  engine_parked_.store(true, std::memory_order_seq_cst);
  // Re-check after announcing: a doorbell that rang before the store above left its bit here;
  // one that rings after it sees engine_parked_ and signals the eventfd (mark_tx_pending).
  const bool rang = (tx_pending_[0].load(std::memory_order_seq_cst) |
                     tx_pending_[1].load(std::memory_order_seq_cst)) != 0;
  if (!rang) {
    if (engine_wake_) {
      engine_wake_->wait(timeout);
      engine_wake_->drain();
    } else {
      std::this_thread::sleep_for(timeout);
    }
  }
  engine_parked_.store(false, std::memory_order_relaxed);
}

}  // namespace sim
