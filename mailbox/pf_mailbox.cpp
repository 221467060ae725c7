#include "mailbox/pf_mailbox.hpp"

#include <algorithm>

#include "hal/ixgbe/regs_pf.hpp"

namespace mbx {
namespace {
namespace reg = hal::ixgbe::pf;
namespace mbox = hal::ixgbe::pf::pfmailbox;

constexpr unsigned kVfsPerMbvficr = 16;
constexpr unsigned kVfsPerVflre = 32;

bool valid(hal::VfId vf) { return vf.value() < reg::kMaxVfs; }

constexpr uint64_t first_n_bits(unsigned n) { return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1; }

}  // namespace

PendingEvents PfMailbox::pending(unsigned num_vfs) {
  const unsigned n = std::min(num_vfs, reg::kMaxVfs);
  PendingEvents ev;
  bool all_ones = false;
  for (unsigned i = 0; i * kVfsPerMbvficr < n; ++i) {
    const uint32_t v = bar0_.read(reg::MBVFICR(i));
    all_ones |= v == hal::kDeviceGone;
    const unsigned base = i * kVfsPerMbvficr;
    ev.req |= uint64_t{v & reg::mbvficr::kVfReqMask} << base;
    ev.ack |= uint64_t{(v & reg::mbvficr::kVfAckMask) >> 16} << base;
  }
  for (unsigned i = 0; i * kVfsPerVflre < n; ++i) {
    const uint32_t v = bar0_.read(reg::VFLRE(i));
    all_ones |= v == hal::kDeviceGone;
    ev.flr |= uint64_t{v} << (i * kVfsPerVflre);
  }
  // A cause word of all-ones is legal (16 VFs each with a request and an ack), and it is
  // also what every read of a removed device returns: without this check a vanished PF
  // reads as "every VF has an FLR, a request and an ack" on every pass. STATUS has reserved
  // bits that read zero, so all-ones there settles it: nothing is pending on a gone device.
  if (all_ones && bar0_.read(reg::STATUS) == hal::kDeviceGone) return {};
  // Bits of VFs that do not exist are not events, whatever the registers hold.
  const uint64_t mask = first_n_bits(n);
  ev.req &= mask;
  ev.ack &= mask;
  ev.flr &= mask;
  return ev;
}

bool PfMailbox::check_for_rst(hal::VfId vf) {
  if (!valid(vf)) return false;
  const unsigned i = vf.value() / kVfsPerVflre;
  const uint32_t bit = 1u << (vf.value() % kVfsPerVflre);
  // The 82599 reports FLR in VFLRE and clears it through VFLREC (spec 2).
  if ((bar0_.read(reg::VFLRE(i)) & bit) == 0) return false;
  bar0_.write(reg::VFLREC(i), bit);
  return true;
}

bool PfMailbox::check_for_msg(hal::VfId vf) {
  if (!valid(vf)) return false;
  const unsigned i = vf.value() / kVfsPerMbvficr;
  const uint32_t bit = reg::mbvficr::req_bit(vf.value());
  if ((bar0_.read(reg::MBVFICR(i)) & bit) == 0) return false;
  bar0_.write(reg::MBVFICR(i), bit);  // write 1 to clear this VF's bit only
  return true;
}

bool PfMailbox::check_for_ack(hal::VfId vf) {
  if (!valid(vf)) return false;
  const unsigned i = vf.value() / kVfsPerMbvficr;
  const uint32_t bit = reg::mbvficr::ack_bit(vf.value());
  if ((bar0_.read(reg::MBVFICR(i)) & bit) == 0) return false;
  bar0_.write(reg::MBVFICR(i), bit);
  return true;
}

std::expected<void, Error> PfMailbox::try_lock(hal::VfId vf) {
  if (!valid(vf)) return std::unexpected(Error::kNoDevice);
  bar0_.write(reg::PFMAILBOX(vf.value()), mbox::kPfu);
  const uint32_t v = bar0_.read(reg::PFMAILBOX(vf.value()));
  // PFMAILBOX's reserved high bits read zero: all-ones can only mean the PF is gone.
  if (v == hal::kDeviceGone) return std::unexpected(Error::kNoDevice);
  if ((v & mbox::kPfu) == 0) return std::unexpected(Error::kLockTimeout);
  return {};
}

std::expected<Message, Error> PfMailbox::read(hal::VfId vf) {
  // One attempt, as Linux: the VF that holds VFU is mid-write and will raise VFREQ again.
  if (auto l = try_lock(vf); !l) return std::unexpected(l.error());
  Message m;
  m.size = static_cast<uint8_t>(kMaxWords);
  for (unsigned i = 0; i < kMaxWords; ++i) m.w[i] = bar0_.read(reg::PFMBMEM(vf.value(), i));
  // ACK alone: sets PFACK on the VF side and releases PFU.
  bar0_.write(reg::PFMAILBOX(vf.value()), mbox::kAck);
  if (trace_) trace_(vf, Direction::kVfToPf, m.words());
  return m;
}

std::expected<void, Error> PfMailbox::write(hal::VfId vf, std::span<const uint32_t> words) {
  if (words.size() > kMaxWords) return std::unexpected(Error::kTooLong);
  if (auto l = try_lock(vf); !l) return l;
  // The buffer is about to be overwritten: a VFREQ/VFACK still latched refers to its old
  // contents. Write-1-to-clear both of this VF's bits, nobody else's.
  const unsigned v = vf.value();
  bar0_.write(reg::MBVFICR(v / kVfsPerMbvficr),
              reg::mbvficr::req_bit(v) | reg::mbvficr::ack_bit(v));
  for (size_t i = 0; i < words.size(); ++i) {
    bar0_.write(reg::PFMBMEM(v, static_cast<unsigned>(i)), words[i]);
  }
  // STS alone: sets PFSTS on the VF side, interrupts it and releases PFU.
  bar0_.write(reg::PFMAILBOX(v), mbox::kSts);
  if (trace_) trace_(vf, Direction::kPfToVf, words);
  return {};
}

std::expected<void, Error> PfMailbox::clear(hal::VfId vf) {
  if (auto l = try_lock(vf); !l) return l;
  for (unsigned i = 0; i < kMaxWords; ++i) bar0_.write(reg::PFMBMEM(vf.value(), i), 0);
  // Neither STS nor ACK: there is no message to announce, only the lock to release.
  release_lock(vf);
  return {};
}

void PfMailbox::release_lock(hal::VfId vf) {
  if (!valid(vf)) return;
  bar0_.write(reg::PFMAILBOX(vf.value()), 0);
}

void PfMailbox::release_vf_lock(hal::VfId vf) {
  if (!valid(vf)) return;
  bar0_.write(reg::PFMAILBOX(vf.value()), mbox::kRvfu);
}

}  // namespace mbx
