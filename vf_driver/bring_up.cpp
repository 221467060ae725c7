// The VF bring-up sequence (spec 3e "VF software reset", 4b, 4c; Linux ixgbevf's reset_hw,
// negotiate_api, get_queues and check_link as the reference).

#include <algorithm>
#include <array>

#include "hal/ixgbe/queue_regs.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "hal/pci_regs.hpp"
#include "mailbox/codec.hpp"
#include "vf_driver/random_mac.hpp"
#include "vf_driver/vf_driver.hpp"

namespace vf {

namespace regs = hal::ixgbe::vf;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {

// Linux polls for the reset indication every 5 us (200 tries).
constexpr hal::Nanos kResetPoll = microseconds(5);
// While RSTI says the PF is not ready there is no hurry: look every 100 us.
constexpr hal::Nanos kPfReadyPoll = microseconds(100);
// 82599 link settle: VFLINKS must read up 5 times, 100 us apart (spec 3d).
constexpr int kLinkSettleReads = 5;
// VF_RESET's reply: word 0, the MAC in words 1-2, the multicast filter type (spec 4b).
constexpr size_t kResetReplyWords = 4;
// Random MACs to try when the PF refuses one as taken: enough for all 64 VFs of an 82599
// started from the same seed.
constexpr unsigned kRandomMacTries = 64;
constexpr hal::Nanos kLinkSettleGap = microseconds(100);

// Versions to offer, newest first (spec 4c): 1.4 down to 1.0, as DPDK's VF and Linux ixgbevf
// before 1.6. Not 1.5: it needs the newer mailbox locking (spec 3c), which this driver does not
// implement. Not 1.6 or 1.7: the driver has none of their messages (GET_PF_LINK_STATE,
// FEATURES_NEGOTIATE), so it must not claim them. Not 2.0: a Solaris dialect.
constexpr std::array kApiOrder = {kMaxApi, mbx::Api::k13, mbx::Api::k12, mbx::Api::k11,
                                  mbx::Api::k10};

std::unexpected<Error> fail(ErrorCode code, std::string detail, Step step) {
  return std::unexpected(Error{code, std::move(detail), step});
}

// GET_QUEUES counts outside 1..8 cannot be right for an 82599 pool; keep them usable.
unsigned clamp_queues(uint32_t n) {
  return std::clamp<uint32_t>(n, 1, regs::kMaxQueues);
}

}  // namespace

std::expected<void, Error> VfDriver::bring_up(hal::Nanos pf_ready_timeout) {
  state_ = State::kResetting;
  link_up_ = false;
  phys_link_ = false;
  reset_needed_ = false;
  if (!awaiting_pf_) {
    enable_bus_master();
    stop_and_mask();
    if (auto r = start_reset(); !r) return r;
  }
  if (auto r = wait_pf_ready(pf_ready_timeout); !r) return r;
  // The reset is done: forget the old mailbox state (stale bits, a sticky timeout).
  mailbox_.reset_done();
  if (auto r = program_interrupts(); !r) return r;
  if (auto r = vf_reset(); !r) return r;
  if (auto r = negotiate_api(); !r) return r;
  if (auto r = get_queues(); !r) return r;
  if (auto r = restore_user_config(); !r) return r;
  return refresh_link();
}

std::expected<void, Error> VfDriver::finish(std::expected<void, Error> result) {
  if (result) {
    state_ = State::kUp;
    last_error_.reset();
    return result;
  }
  last_error_ = result.error();
  link_up_ = false;
  // Waiting for the PF is not a failure of ours: stay kResetting and resume on service().
  state_ = awaiting_pf_ ? State::kResetting : State::kFailed;
  return result;
}

void VfDriver::enable_bus_master() {
  // The data path DMAs as this function; Linux's probe does pci_set_master as well.
  hal::ConfigSpace& cfg = fn_.config();
  const uint16_t cmd = cfg.read16(hal::pci::kCommand);
  if ((cmd & hal::pci::kCommandMaster) == 0) {
    cfg.write16(hal::pci::kCommand, static_cast<uint16_t>(cmd | hal::pci::kCommandMaster));
  }
  // An FLR clears BME. If the bit reads back, service() can use its loss to notice an FLR
  // that nobody told this driver about.
  bme_tracks_ = (cfg.read16(hal::pci::kCommand) & hal::pci::kCommandMaster) != 0;
}

void VfDriver::stop_and_mask() {
  // Interrupts first, so nothing fires while the queues stop (Linux stop_adapter order).
  bar0_.write(regs::VFEIMC, regs::vfeicr::kValidMask);
  bar0_.write(regs::VFEIAM, 0);
  bar0_.write(regs::VFEIAC, 0);
  const unsigned queues = std::max(tx_queues_, rx_queues_);
  for (unsigned q = 0; q < queues; ++q) {
    // SWFLSH clears ENABLE and flushes pending descriptor write-backs.
    bar0_.write(regs::VFTXDCTL(q), hal::ixgbe::txdctl::kSwflsh);
    bar0_.clear_bits(regs::VFRXDCTL(q), hal::ixgbe::rxdctl::kEnable);
  }
  (void)bar0_.read(regs::VFEICR);  // drop causes that were pending
  bar0_.flush();
}

std::expected<void, Error> VfDriver::start_reset() {
  // Consume a stale RSTD (say from an earlier PF reset) so it cannot pass for this reset's.
  if (device_gone(mailbox_.read_mailbox())) {
    device_lost_ = true;
    return fail(ErrorCode::kNoDevice, "VFMAILBOX reads all-ones", Step::kReset);
  }
  mailbox_.reset_done();
  api_ = mbx::Api::k10;  // what the PF assumes after any VF reset
  bar0_.write(regs::VFCTRL, regs::vfctrl::kRst);
  bar0_.flush();
  ++counters_.resets;

  // Linux's test: RSTD or RSTI shows the reset reached the mailbox.
  uint32_t mb = 0;
  const bool seen = hal::poll_until(clock_, waiter_, opts_.reset_timeout, kResetPoll, [&] {
    mb = mailbox_.read_mailbox();
    return (mb & (regs::vfmailbox::kRstd | regs::vfmailbox::kRsti)) != 0;
  });
  if (device_gone(mb)) {
    device_lost_ = true;
    return fail(ErrorCode::kNoDevice, "VFMAILBOX reads all-ones after VFCTRL.RST", Step::kReset);
  }
  if (!seen) {
    return fail(ErrorCode::kResetTimeout,
                fmt::format("no RSTD/RSTI within {} us of VFCTRL.RST",
                            opts_.reset_timeout.count() / 1000),
                Step::kReset);
  }
  // RSTD already cleared on read; if only RSTI showed, wait_pf_ready waits it out.
  return {};
}

std::expected<void, Error> VfDriver::wait_pf_ready(hal::Nanos timeout) {
  // Until RSTI clears, the PF cannot answer: touch nothing but VFMAILBOX (spec 3e).
  uint32_t mb = 0;
  const bool ready = hal::poll_until(clock_, waiter_, timeout, kPfReadyPoll, [&] {
    mb = mailbox_.read_mailbox();
    return device_gone(mb) || (mb & regs::vfmailbox::kRsti) == 0;
  });
  if (device_gone(mb)) {
    awaiting_pf_ = false;
    device_lost_ = true;
    return fail(ErrorCode::kNoDevice, "VFMAILBOX reads all-ones", Step::kPfReady);
  }
  if (!ready) {
    awaiting_pf_ = true;
    return fail(ErrorCode::kPfNotReady,
                fmt::format("RSTI still set after {} us", timeout.count() / 1000),
                Step::kPfReady);
  }
  awaiting_pf_ = false;
  return {};
}

std::expected<void, Error> VfDriver::program_interrupts() {
  if (!opts_.use_interrupts) return {};  // polling: stop_and_mask left everything masked
  if (fn_.num_vectors() <= kMiscVector) {
    return fail(ErrorCode::kNotSupported,
                fmt::format("{} MSI-X vectors, the mailbox needs vector {}", fn_.num_vectors(),
                            kMiscVector),
                Step::kInterrupts);
  }
  // The VF reset cleared the mapping: map the "other" cause again, then unmask. Auto-clear
  // (VFEIAC) so each cause fires once and does not linger in VFEICR. No auto-mask (VFEIAM
  // stays 0 from the reset), unlike DPDK's VF: one exchange raises the cause twice, on PFACK
  // (the PF read our request) and on PFSTS (its reply). A wait woken by PFACK would find the
  // vector masked when the reply came and sleep a whole wait interval. The vector stays
  // unmasked while the driver owns the device; every wait reads VFMAILBOX after a wake-up, so
  // an extra signal costs one poll.
  const uint32_t bit = 1u << kMiscVector;
  bar0_.write(regs::VFIVAR_MISC, regs::vfivar::kValid | kMiscVector);
  bar0_.write(regs::VFEIAC, bit);
  bar0_.write(regs::VFEIMS, bit);
  bar0_.flush();
  return {};
}

void VfDriver::rearm_interrupts() {
  if (!opts_.use_interrupts) return;
  const uint32_t bit = 1u << kMiscVector;
  // A cause left pending (raised while something masked the vector) would fire the moment the
  // vector is unmasked and wake the next wait for nothing. VFMAILBOX, not the cause, says what
  // is pending, and every wait reads it before sleeping: drop the cause, then make sure the
  // vector is unmasked (a no-op while it already is: only a newly set mask bit fires).
  bar0_.write(regs::VFEICR, bit);
  bar0_.write(regs::VFEIMS, bit);
}

std::expected<void, Error> VfDriver::vf_reset() {
  // Polled with the mailbox deadline rather than Linux's fixed 10 ms sleep first.
  auto reply = transact(mbx::ResetReq{}.encode(), kResetReplyWords, Step::kVfReset);
  if (!reply) return std::unexpected(reply.error());
  // The one reply that never carries CTS (spec 4b): ACK or NACK decides the MAC.
  auto r = mbx::ResetReply::decode(reply->words());
  if (!r || (!reply->is_ack() && !reply->is_nack())) {
    reset_needed_ = true;
    return fail(ErrorCode::kProtocol,
                fmt::format("VF_RESET reply {:#010x} does not decode", reply->w[0]),
                Step::kVfReset);
  }
  mc_filter_type_ = r->mc_filter_type;
  xcast_applied_ = mbx::XcastMode::kNone;  // the PF dropped our filters with the reset
  if (r->ack && r->mac.is_valid_unicast()) {
    mac_ = r->mac;
    mac_from_pf_ = true;
    return {};
  }
  mac_from_pf_ = false;
  return claim_own_mac();
}

std::expected<void, Error> VfDriver::claim_own_mac() {
  // No admin MAC: the user's if there is one, else our random one, and the PF must install it.
  if (user_.mac) {
    auto r = send_set_mac(*user_.mac, Step::kSetMac);
    if (r) {
      mac_ = *user_.mac;
      return {};
    }
    if (r.error().code != ErrorCode::kRefused) return r;
    // Refused (another function has it, say): fall back rather than fail the bring-up.
  }
  // Made once and kept across resets, as Linux keeps dev_addr.
  if (!random_mac_) random_mac_ = random_laa_mac(opts_.mac_seed, random_index_);
  for (unsigned tries = 1;; ++tries) {
    auto r = send_set_mac(*random_mac_, Step::kSetMac);
    if (r) {
      mac_ = *random_mac_;
      return {};
    }
    if (r.error().code != ErrorCode::kRefused || tries == kRandomMacTries) return r;
    // The PF refuses a MAC another function uses: most likely a VF started from the same
    // seed. Take the next MAC of the seed's stream.
    random_mac_ = random_laa_mac(opts_.mac_seed, ++random_index_);
  }
}

std::expected<void, Error> VfDriver::negotiate_api() {
  for (mbx::Api api : kApiOrder) {
    if (mbx::api_rank(api) > mbx::api_rank(opts_.max_api)) continue;
    auto r = request(mbx::ApiNegotiateReq{api}.encode(), 1, Step::kApiNegotiate);
    if (r) {
      api_ = api;
      return {};
    }
    if (r.error().code != ErrorCode::kRefused) return std::unexpected(r.error());
  }
  api_ = mbx::Api::k10;  // every offer refused: 1.0 is what a reset VF speaks anyway
  return {};
}

std::expected<void, Error> VfDriver::get_queues() {
  tx_queues_ = 1;
  rx_queues_ = 1;
  trans_vlan_ = 0;
  default_queue_ = 0;
  if (!mbx::api_at_least(api_, mbx::Api::k11)) return {};  // API 1.0: one queue pair
  auto r = request(mbx::GetQueuesReq{}.encode(), mbx::get_queues::kWords, Step::kGetQueues);
  if (!r) {
    // A PF that refuses keeps us at one queue pair (Linux does the same); transport errors fail.
    if (r.error().code == ErrorCode::kRefused) return {};
    return std::unexpected(r.error());
  }
  auto q = mbx::GetQueuesReply::decode(r->words());
  if (!q) {
    reset_needed_ = true;
    return fail(ErrorCode::kProtocol, "GET_QUEUES reply does not decode", Step::kGetQueues);
  }
  tx_queues_ = clamp_queues(q->tx_queues);
  rx_queues_ = clamp_queues(q->rx_queues);
  trans_vlan_ = q->trans_vlan;
  // DPDK's PF reports an absolute queue; anything outside our TX queues means "the first".
  default_queue_ = q->default_queue < tx_queues_ ? q->default_queue : 0;
  return {};
}

std::expected<void, Error> VfDriver::restore_user_config() {
  // A refusal (say a port VLAN now forbids ours) costs that one setting, not the bring-up;
  // a transport failure fails it. Settings stay remembered either way.
  auto tolerate = [](auto r) -> std::expected<void, Error> {
    if (r || r.error().code == ErrorCode::kRefused) return {};
    return std::unexpected(r.error());
  };
  if (user_.mac && *user_.mac != mac_) {
    auto r = send_set_mac(*user_.mac, Step::kRestore);
    if (r) {
      mac_ = *user_.mac;
      mac_from_pf_ = false;
    }
    if (auto t = tolerate(r); !t) return t;
  }
  if (!user_.multicast.empty()) {
    if (auto t = tolerate(send_multicast(user_.multicast, Step::kRestore)); !t) return t;
  }
  for (unsigned vid = 0; vid < UserConfig::kNumVlans; ++vid) {
    if (!user_.vlans.test(vid)) continue;
    if (auto t = tolerate(send_vlan(true, static_cast<uint16_t>(vid), Step::kRestore)); !t) {
      return t;
    }
  }
  // Always, as Linux ixgbevf does on every bring-up: on an 82599 whose PF runs jumbo frames,
  // VF_RESET left this VF's receive off (VFRE) until SET_LPE says what frame it takes (spec 7,
  // SET_LPE). Without a user MTU, the standard one.
  auto lpe = send_lpe(user_.mtu.value_or(kStdMtu), Step::kRestore);
  if (!lpe && lpe.error().code == ErrorCode::kRefused && user_.mtu.value_or(kStdMtu) > kStdMtu) {
    // A refusal also turned our receive off (VFRE): say a jumbo MTU the PF took before its own
    // MTU went back to 1500. A standard frame is what every 82599 PF takes; receive with it
    // rather than not at all. The user's MTU stays remembered for the next bring-up.
    lpe = send_lpe(kStdMtu, Step::kRestore);
  }
  if (auto t = tolerate(lpe); !t) return t;
  if (user_.xcast) {
    const mbx::Api need =
        *user_.xcast == mbx::XcastMode::kPromisc ? mbx::Api::k13 : mbx::Api::k12;
    if (mbx::api_at_least(api_, need)) {
      auto r = send_xcast(*user_.xcast, Step::kRestore);
      if (r) note_xcast_applied(*user_.xcast, *r);
      if (auto t = tolerate(r); !t) return t;
    }
  }
  return {};
}

bool VfDriver::sample_link_settle() {
  // The 82599 settle rule (spec 3d): up on kLinkSettleReads reads at least kLinkSettleGap
  // apart, with no down read between (a down read restarts the count). Sampled, never waited
  // for, so guests settle in parallel and a probe does not block for it.
  const hal::Nanos now = clock_.now();
  if (settle_reads_ > 0 && now - settle_last_read_ < kLinkSettleGap) return false;
  settle_last_read_ = now;
  return ++settle_reads_ >= kLinkSettleReads;
}

std::expected<void, Error> VfDriver::refresh_link() {
  const uint32_t links = bar0_.read(regs::VFLINKS);
  if (device_gone(links)) {
    device_lost_ = true;
    return fail(ErrorCode::kNoDevice, "VFLINKS reads all-ones", Step::kLink);
  }
  restart_link_settle();
  if (links & regs::vflinks::kUp) phys_link_ = sample_link_settle();
  admin_link_ = true;
  if (mbx::api_at_least(api_, mbx::Api::k12)) {
    auto r = send_get_link_state(Step::kLink);
    if (r) {
      admin_link_ = *r;
    } else if (r.error().code != ErrorCode::kRefused) {
      return std::unexpected(r.error());
    }
  }
  link_up_ = phys_link_ && admin_link_;
  return {};
}

}  // namespace vf
