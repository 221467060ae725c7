// VfDriver: construction, probe, the watchdog and link checking. The bring-up steps are in
// bring_up.cpp, the mailbox exchanges in exchange.cpp, the user's calls in requests.cpp.

#include "vf_driver/vf_driver.hpp"

#include "hal/ixgbe/regs_vf.hpp"
#include "hal/pci_regs.hpp"

namespace vf {

namespace regs = hal::ixgbe::vf;

namespace {

// Only one message fits the buffer and the PF waits for our ACK before the next, so a couple
// of reads per call is plenty; the bound keeps service() short whatever the PF does.
constexpr int kMaxMessagesPerService = 4;

// The options as the driver uses them: max_api no newer than the driver implements.
VfOptions checked(VfOptions opts) {
  const int rank = mbx::api_rank(opts.max_api);
  if (rank < 0 || rank > mbx::api_rank(kMaxApi)) opts.max_api = kMaxApi;
  return opts;
}

}  // namespace

std::string_view to_string(State s) {
  switch (s) {
    case State::kDown: return "down";
    case State::kResetting: return "resetting";
    case State::kUp: return "up";
    case State::kFailed: return "failed";
  }
  return "unknown";
}

VfDriver::VfDriver(hal::PciFunction& fn, hal::Clock& clock, hal::Waiter& waiter,
                   VfOptions opts)
    : fn_(fn),
      bar0_(fn.bar0()),
      clock_(clock),
      waiter_(waiter),
      opts_(checked(opts)),
      mailbox_(fn.bar0(), clock, waiter, opts.mbx) {}

std::expected<void, Error> VfDriver::probe() {
  // An explicit probe always starts from VFCTRL.RST and may wait the full pf_ready_timeout.
  awaiting_pf_ = false;
  device_lost_ = false;
  return finish(bring_up(opts_.pf_ready_timeout));
}

size_t VfDriver::service() {
  if (state_ == State::kDown) return 0;
  size_t events = 0;
  if (state_ == State::kUp && !device_lost_) {
    events += drain_pf_messages();
    if (mailbox_.check_for_rst() || mailbox_.disabled() || function_was_reset()) {
      reset_needed_ = true;
    }
    if (!reset_needed_ && !device_lost_) {
      rearm_interrupts();
      (void)check_link();
      return events;
    }
  }
  if (device_lost_) {
    // Nothing to recover: the function is gone (VFs disabled, surprise removal). Only an
    // explicit probe() tries again.
    if (state_ != State::kFailed) {
      state_ = State::kFailed;
      link_up_ = false;
      last_error_ = Error{ErrorCode::kNoDevice, "registers read all-ones", Step::kNone};
    }
    return events;
  }
  // Up with a reset needed, or a bring-up that is waiting for the PF or failed: (re)try it,
  // waiting for the PF no longer than a reset takes.
  ++events;
  if (finish(bring_up(opts_.reset_timeout))) ++counters_.recoveries;
  return events;
}

size_t VfDriver::drain_pf_messages() {
  size_t n = 0;
  for (int i = 0; i < kMaxMessagesPerService; ++i) {
    auto msg = mailbox_.poll_message(1);
    if (!msg) {
      switch (msg.error()) {
        case mbx::Error::kNoMessage:
        case mbx::Error::kLockTimeout:  // the PF is busy with the buffer: next call
          break;
        case mbx::Error::kNoDevice:
          device_lost_ = true;
          break;
        default:  // kReset, kDisabled, ...: the mailbox needs a reset
          reset_needed_ = true;
          break;
      }
      return n;
    }
    ++n;
    if (msg->id() == static_cast<uint16_t>(mbx::MsgId::kPfControlMsg)) {
      ++counters_.pings;
      // A ping without CTS: the PF cleared our clear-to-send (PF down or reset, trust or
      // admin link change). With CTS it only says "link changed"; check_link reads VFLINKS.
      if (!msg->has_cts()) reset_needed_ = true;
      restart_link_settle();  // make check_link settle the link again
    } else if (msg->is_nack() && !msg->has_cts()) {
      // The PF NACKed our ACK of a message while we were not clear to send (spec 3b step 3).
      reset_needed_ = true;
    }
    // Anything else is a late reply to a request that already timed out: nothing to do.
  }
  return n;
}

bool VfDriver::function_was_reset() {
  if (!bme_tracks_) return false;
  return (fn_.config().read16(hal::pci::kCommand) & hal::pci::kCommandMaster) == 0;
}

bool VfDriver::check_link() {
  if (state_ != State::kUp) {
    link_up_ = false;
    return false;
  }
  // Linux's check_link order: a reset or a dead mailbox drops the link first.
  if (mailbox_.check_for_rst() || mailbox_.disabled()) reset_needed_ = true;
  if (reset_needed_) {
    link_up_ = false;
    return false;
  }
  const uint32_t links = bar0_.read(regs::VFLINKS);
  if (device_gone(links)) device_lost_ = true;
  if (device_lost_ || (links & regs::vflinks::kUp) == 0) {
    restart_link_settle();
  } else if (!phys_link_) {
    phys_link_ = sample_link_settle();  // just came up: it must stay up (82599 settle, spec 3d)
  }
  link_up_ = phys_link_ && admin_link_;
  return link_up_;
}

}  // namespace vf
