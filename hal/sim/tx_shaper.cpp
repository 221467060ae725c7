// Per-queue TX rate limiting of the simulated 82599 (RTTBCNRC/RTTBCNRM). Model and assumptions:
// docs/sim-model.md, "TX rate limiting".
#include "hal/sim/tx_shaper.hpp"

#include <algorithm>

namespace sim {

namespace pfr = hal::ixgbe::pf;

namespace {
constexpr uint64_t kPsPerNs = 1000;
constexpr uint64_t kBitPsPerSecond = 8'000'000'000'000;  // 8 bits x 1e12 ps: bytes -> ps at 1 b/s
/// RF = 1.0 in 10.14 fixed point: the queue may use the whole link, and no more.
constexpr uint32_t kRfOne = 1u << pfr::rttbcnrc::kRfIntShift;
}  // namespace

TxShaper::TxShaper(uint64_t link_bps, uint64_t min_window_ns) : min_window_ns_(min_window_ns) {
  set_link_speed(link_bps);
}

void TxShaper::write_rttbcnrc(unsigned queue, uint32_t value, uint64_t now_ns) {
  Queue& s = q_[queue % kNumQueues];
  const bool was_limited = s.rf != 0;
  if ((value & pfr::rttbcnrc::kRsEna) == 0) {
    s = Queue{};
    return;
  }
  // A factor below 1 asks for more than the link carries; the port cannot send faster than
  // the link, so the model caps it at the link (RF = 1).
  s.rf = std::max(value & (pfr::rttbcnrc::kRfIntMask | pfr::rttbcnrc::kRfDecMask), kRfOne);
  if (!was_limited) {
    // No credit from before the limit existed: the first frame may go at once, then the rate.
    s.tat_ns = now_ns;
    s.tat_ps = 0;
  }
  update_window(s);
}

void TxShaper::write_rttbcnrm(uint32_t value) {
  mmw_size_ = value & pfr::rttbcnrm::kMmwSizeMask;
  for (Queue& s : q_) update_window(s);
}

void TxShaper::set_link_speed(uint64_t link_bps) {
  link_bps_ = link_bps == 0 ? kLink10G : std::max(link_bps, kMinLinkBps);
  link_ps_per_byte_ = kBitPsPerSecond / link_bps_;
  for (Queue& s : q_) update_window(s);
}

void TxShaper::set_min_window(uint64_t min_window_ns) {
  min_window_ns_ = min_window_ns;
  for (Queue& s : q_) update_window(s);
}

void TxShaper::reset() {
  q_.fill(Queue{});
  mmw_size_ = 0;
}

void TxShaper::charge(unsigned queue, uint64_t now_ns, size_t l2_len) {
  Queue& s = q_[queue % kNumQueues];
  if (s.rf == 0) return;
  // Credit is what the queue's virtual time lags behind now; an idle queue keeps at most one
  // window of it, so after any idle period the burst is bounded.
  const uint64_t floor_ns = now_ns > s.window_ns ? now_ns - s.window_ns : 0;
  if (s.tat_ns < floor_ns) {
    s.tat_ns = floor_ns;
    s.tat_ps = 0;
  }
  const uint64_t ps =
      s.tat_ps + cost_ps(s, std::min<uint64_t>(charged_bytes(l2_len), kMaxChargedBytes));
  s.tat_ns += ps / kPsPerNs;
  s.tat_ps = static_cast<uint32_t>(ps % kPsPerNs);
}

uint64_t TxShaper::rate_bps(unsigned queue) const {
  const Queue& s = q_[queue % kNumQueues];
  return s.rf == 0 ? 0 : (link_bps_ << pfr::rttbcnrc::kRfIntShift) / s.rf;
}

void TxShaper::update_window(Queue& s) const {
  if (s.rf == 0) {
    s.window_ns = 0;
    return;
  }
  // MMW_SIZE bytes at the queue's rate; shift before multiplying so 2047 KiB at RF 1023 and a
  // 10 Mb/s link still fit in 64 bits.
  const uint64_t bytes = uint64_t{mmw_size_} * kMmwUnit;
  const uint64_t mmw_ns =
      ((bytes * s.rf) >> pfr::rttbcnrc::kRfIntShift) * link_ps_per_byte_ / kPsPerNs;
  s.window_ns = std::max(mmw_ns, min_window_ns_);
}

}  // namespace sim
