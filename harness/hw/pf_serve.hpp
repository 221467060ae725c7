#pragma once
// Our PF serving VFs it does not drive: the foreground loop of `sriov-sim --device vfio:PF
// --serve`, where the VFs belong to VMs (Linux ixgbevf through QEMU's vfio-pci) and only their
// mailbox requests, FLRs and the link reach us. It sleeps on the PF's "other" MSI-X vector
// (mailbox and link causes) and runs PfDriver::service_once() when woken, or when the PF has
// work no interrupt announces (next_service_due(): a request the flood guard holds, a report
// due), or at least once per pf::kSpoofCheckInterval so the SSVPC spoof counter is read.
//
// The sleep is a ServeWait, so a test steps the loop on a ManualClock against the fake kernel
// (tests/harness/test_hw_serve.cpp) and the tool sleeps in poll(2).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "hal/clock.hpp"
#include "hal/event_fd.hpp"
#include "pf_driver/pf_driver.hpp"
#include "pf_driver/spoof_watch.hpp"

namespace harness {

/// What the serve loop sleeps on between passes.
class ServeWait {
 public:
  enum class Wake : uint8_t {
    kInterrupt,  ///< the PF's vector fired (drained by the wait)
    kTimeout,    ///< the time given passed
    kStop,       ///< someone asked the loop to end (the tool: SIGINT/SIGTERM)
  };
  virtual ~ServeWait() = default;
  /// Sleeps until the PF's interrupt, a stop request, or `timeout` (zero: only looks).
  virtual Wake wait(hal::Nanos timeout) = 0;
};

/// poll(2) on the PF's interrupt eventfd and a stop fd (a signalfd, an eventfd; -1 for none),
/// the timeout rounded up to whole milliseconds so a due time is never slept short of. The
/// stop fd wins when both are ready; it is not read (a signalfd stays readable, so every later
/// wait reports kStop too).
class PollServeWait final : public ServeWait {
 public:
  /// `irq` must outlive the wait.
  PollServeWait(const hal::EventFd& irq, int stop_fd) : irq_(irq), stop_fd_(stop_fd) {}
  Wake wait(hal::Nanos timeout) override;

 private:
  const hal::EventFd& irq_;
  int stop_fd_;
};

struct ServeStats {
  uint64_t turns = 0;
  uint64_t interrupts = 0;  ///< wakes by the PF's vector
  uint64_t timeouts = 0;    ///< wakes by time (a due time, the spoof check, the bound)
  uint64_t passes = 0;      ///< service_once() calls
  uint64_t handled = 0;     ///< events they handled
  /// The loop ended because the PF is gone (surprise removal): its registers read all-ones.
  bool gone = false;
};

class PfServeLoop {
 public:
  /// Passes per turn at most: a VF that keeps its mailbox busy cannot keep the loop from
  /// seeing a stop request (the flood guard bounds it too).
  static constexpr unsigned kMaxPassesPerTurn = 64;

  /// The longest sleep without an interrupt on real hardware: well inside a VF driver's
  /// mailbox timeout (Linux ixgbevf gives up on a reply after about a second), so a lost
  /// interrupt delays a reply by at most this much.
  static constexpr hal::Nanos kHwMaxSleep = std::chrono::milliseconds(100);

  /// `pf` must be initialised and outlive the loop, as must `clock` (the PF's) and `wait`.
  /// `max_sleep`: the longest sleep without an interrupt (default: the spoof-check interval).
  /// `gone`: whether the PF's function is gone (hal::vfio::VfioFunction::gone()); checked
  /// after every wait and pass, it ends the loop (stats().gone). Empty: never.
  PfServeLoop(pf::PfDriver& pf, hal::Clock& clock, ServeWait& wait,
              hal::Nanos max_sleep = pf::kSpoofCheckInterval, std::function<bool()> gone = {});

  /// How long the next wait may last: zero when the last pass left work (it handled the
  /// maximum) or next_service_due() has come, else until next_service_due(), at most
  /// max_sleep.
  hal::Nanos next_sleep() const;
  /// One turn: wait up to next_sleep(), then service_once() until it handles nothing (at most
  /// kMaxPassesPerTurn passes). Returns false, without a pass, when the wait says stop; false
  /// with stats().gone set when the PF is found gone (after the wait or a pass: no more
  /// passes on a device that reads all-ones).
  bool turn();
  /// Turns until `stop` is set (checked before each turn), the wait says stop, the PF is
  /// gone, or `max_turns` turns ran (0: no bound). Returns the stats of this loop so far.
  const ServeStats& run(const std::atomic<bool>& stop, uint64_t max_turns = 0);

  const ServeStats& stats() const { return stats_; }

 private:
  /// Whether `gone_` says so; records it in the stats.
  bool check_gone();
  pf::PfDriver& pf_;
  hal::Clock& clock_;
  ServeWait& wait_;
  hal::Nanos max_sleep_;
  std::function<bool()> gone_;
  bool more_ = false;  // the last turn stopped at kMaxPassesPerTurn with work left
  ServeStats stats_;
};

}  // namespace harness
