#include "mailbox/vf_mailbox.hpp"

#include "hal/ixgbe/regs_vf.hpp"

namespace mbx {
namespace {
namespace vfreg = hal::ixgbe::vf;
namespace vfmbox = hal::ixgbe::vf::vfmailbox;
}  // namespace

VfMailbox::VfMailbox(hal::RegisterIo& bar0, hal::Clock& clock, hal::Waiter& waiter,
                     VfMailboxParams params)
    : bar0_(bar0), clock_(clock), waiter_(waiter), params_(params) {}

// ---- Primitives (spec 3a).

uint32_t VfMailbox::read_mailbox() {
  const uint32_t v = bar0_.read(vfreg::VFMAILBOX);
  gone_ = v == hal::kDeviceGone;
  // PFSTS, PFACK and RSTD clear when read: this is the one place that reads them, so an event
  // seen here stays in the shadow until someone consumes it. An all-ones read is the bus
  // saying nobody answered, not eight events.
  if (!gone_) {
    shadow_ |= v & vfmbox::kReadToClear;
    live_ = v;
  }
  return v;
}

bool VfMailbox::consume(uint32_t bit) {
  if ((shadow_ & bit) == 0) return false;
  shadow_ &= ~bit;
  return true;
}

bool VfMailbox::check_for_msg() {
  read_mailbox();
  return consume(vfmbox::kPfsts);
}

bool VfMailbox::check_for_ack() {
  read_mailbox();
  return consume(vfmbox::kPfack);
}

bool VfMailbox::check_for_rst() {
  const uint32_t v = read_mailbox();
  // RSTI is a level (PF not ready), RSTD an event; consume RSTD whatever RSTI says.
  const bool rstd = consume(vfmbox::kRstd);
  const bool rsti = !gone_ && (v & vfmbox::kRsti) != 0;
  return rsti || rstd;
}

bool VfMailbox::reset_pending() const {
  // RSTI is a level: the last read says whether the PF is still in reset. RSTD is an event the
  // owner has not handled yet (check_for_rst or reset_done consume it; the waits only look).
  return (live_ & vfmbox::kRsti) != 0 || (shadow_ & vfmbox::kRstd) != 0;
}

std::unexpected<Error> VfMailbox::reset_error() {
  ++counters_.resets;
  return std::unexpected(Error::kReset);
}

bool VfMailbox::pf_in_reset() {
  const uint32_t v = read_mailbox();
  return !gone_ && (v & vfmbox::kRsti) != 0;
}

std::expected<void, Error> VfMailbox::try_lock() {
  // Write VFU alone (legacy ops): REQ/ACK are triggers and must not be re-raised here.
  bar0_.write(vfreg::VFMAILBOX, vfmbox::kVfu);
  const uint32_t v = read_mailbox();
  if (gone_) return std::unexpected(Error::kNoDevice);
  if ((v & vfmbox::kVfu) == 0) return std::unexpected(Error::kLockTimeout);
  return {};
}

std::expected<void, Error> VfMailbox::lock(bool stop_on_reset) {
  std::expected<void, Error> r = std::unexpected(Error::kLockTimeout);
  hal::poll_until(clock_, waiter_, params_.delay * params_.timeout_tries, params_.delay, [&] {
    if (stop_on_reset) {
      // Look before each try: a PF in reset, or one that finished a reset this VF has not
      // handled, has no state for us, and until RSTD the VF touches only VFMAILBOX (spec 3e).
      read_mailbox();
      if (gone_) {
        r = std::unexpected(Error::kNoDevice);
        return true;
      }
      if (reset_pending()) {
        r = reset_error();
        return true;
      }
    }
    r = try_lock();
    return r.has_value() || r.error() == Error::kNoDevice;
  });
  if (!r && r.error() == Error::kLockTimeout) ++counters_.lock_failures;
  return r;
}

VfMailbox::WaitResult VfMailbox::wait_for(uint32_t bit) {
  WaitResult result = WaitResult::kTimeout;
  hal::poll_until(clock_, waiter_, params_.delay * params_.timeout_tries, params_.delay, [&] {
    read_mailbox();
    if (gone_) {
      result = WaitResult::kGone;
    } else if (reset_pending()) {
      // Before the bit: a reply next to a reset came from a PF that has since lost this VF.
      // RSTD stays in the shadow for check_for_rst.
      result = WaitResult::kReset;
    } else if (consume(bit)) {
      result = WaitResult::kSeen;
    } else {
      return false;
    }
    return true;
  });
  return result;
}

// ---- Composed operations (spec 3b, legacy handshake).

std::expected<void, Error> VfMailbox::write(std::span<const uint32_t> words) {
  return send(words, /*stop_on_reset=*/false);
}

std::expected<void, Error> VfMailbox::send(std::span<const uint32_t> words, bool stop_on_reset) {
  if (words.size() > kMaxWords) return std::unexpected(Error::kTooLong);
  if (auto l = lock(stop_on_reset); !l) return l;
  // A PFSTS/PFACK left from an earlier exchange must not pass for the answer to this one.
  read_mailbox();
  if (gone_) return std::unexpected(Error::kNoDevice);
  shadow_ &= ~(vfmbox::kPfsts | vfmbox::kPfack);
  for (size_t i = 0; i < words.size(); ++i) {
    bar0_.write(vfreg::VFMBMEM(static_cast<unsigned>(i)), words[i]);
  }
  // REQ alone: it interrupts the PF and, with VFU not written, releases the lock.
  bar0_.write(vfreg::VFMAILBOX, vfmbox::kReq);
  ++counters_.sent;
  if (trace_) trace_(trace_vf_, Direction::kVfToPf, words);
  return {};
}

std::expected<Message, Error> VfMailbox::read(size_t n) {
  if (n > kMaxWords) return std::unexpected(Error::kTooLong);
  if (auto l = lock(/*stop_on_reset=*/false); !l) return std::unexpected(l.error());
  Message m;
  m.size = static_cast<uint8_t>(n);
  for (size_t i = 0; i < n; ++i) m.w[i] = bar0_.read(vfreg::VFMBMEM(static_cast<unsigned>(i)));
  // ACK alone: tells the PF the buffer is consumed and releases VFU.
  bar0_.write(vfreg::VFMAILBOX, vfmbox::kAck);
  ++counters_.received;
  if (trace_) trace_(trace_vf_, Direction::kPfToVf, m.words());
  return m;
}

std::expected<void, Error> VfMailbox::write_posted(std::span<const uint32_t> words) {
  if (disabled_) return std::unexpected(Error::kDisabled);
  return send(words, /*stop_on_reset=*/true);
}

std::expected<Message, Error> VfMailbox::read_posted(size_t n) {
  if (disabled_) return std::unexpected(Error::kDisabled);
  if (n > kMaxWords) return std::unexpected(Error::kTooLong);
  switch (wait_for(vfmbox::kPfsts)) {
    case WaitResult::kSeen:
      return read(n);
    case WaitResult::kGone:
      return std::unexpected(Error::kNoDevice);
    case WaitResult::kReset:
      // A reset is not a timeout (Linux): the PF is back or coming back, and the owner's reset
      // re-arms everything. Nothing to make sticky.
      return reset_error();
    case WaitResult::kTimeout:
      break;
  }
  // Linux zeroes the mailbox timeout here: the PF is considered lost until the VF resets.
  ++counters_.timeouts;
  disabled_ = true;
  return std::unexpected(Error::kTimeout);
}

std::expected<Message, Error> VfMailbox::request(std::span<const uint32_t> words,
                                                 size_t reply_words) {
  if (auto w = write_posted(words); !w) return std::unexpected(w.error());
  return read_posted(reply_words);
}

std::expected<Message, Error> VfMailbox::poll_message(size_t n) {
  if (n > kMaxWords) return std::unexpected(Error::kTooLong);
  if (check_for_msg()) return read(n);
  if (gone_) return std::unexpected(Error::kNoDevice);
  return std::unexpected(Error::kNoMessage);
}

void VfMailbox::reset_done() {
  disabled_ = false;
  shadow_ = 0;
  live_ = 0;
}

}  // namespace mbx
