#pragma once
// Helpers shared by the mailbox flood guard's tests (pf_driver/mailbox_guard.hpp): policies,
// raw exchanges that do not wait, and a flooding VF driven one service pass at a time.

#include <chrono>

#include "pf_rig.hpp"

namespace pftest {

using namespace std::chrono_literals;

/// The default policy with the request rate, burst and disable time of a test.
inline pf::PfOptions flood_options(uint32_t rate, uint32_t burst, hal::Nanos disable_after = 3s) {
  pf::PfOptions o = options();
  o.mailbox_flood.rate_per_s = rate;
  o.mailbox_flood.burst = burst;
  o.mailbox_flood.report_interval = 1s;
  o.mailbox_flood.disable_after = disable_after;
  return o;
}

inline const mbx::Message kGetQueues = mbx::GetQueuesReq{}.encode();
inline const mbx::Message kReset = mbx::ResetReq{}.encode();

/// Whether `vf`'s request is still pending at the PF (MBVFICR.VFREQ): posted and not read.
inline bool request_pending(Rig& r, hal::VfId vf) {
  namespace reg = hal::ixgbe::pf;
  const unsigned v = vf.value();
  return (r.rd(reg::MBVFICR(reg::mbvficr::reg_index(v))) & reg::mbvficr::req_bit(v)) != 0;
}

/// Posts `req` without waiting, lets the PF run one pass (the clock stands still) and returns
/// its answer, or nothing when the PF left the request pending.
inline std::optional<mbx::Message> try_exchange(Rig& r, Vf& vf, const mbx::Message& req,
                                                size_t reply_words = 5) {
  REQUIRE(vf.mbx().write(req.words()).has_value());
  r.pf.service_once();
  auto m = vf.mbx().poll_message(reply_words);
  if (!m) return std::nullopt;
  return *m;
}

/// Posts `req` on every 100 us pass for `d` of simulated time, reading nothing back (a
/// flooder). Returns how many it posted.
inline unsigned flood(Rig& r, Vf& vf, hal::Nanos d, const mbx::Message& req = kGetQueues) {
  unsigned n = 0;
  for (hal::Nanos t{}; t < d; t += 100us, ++n) {
    REQUIRE(vf.mbx().write(req.words()).has_value());
    r.pf.service_once();
    r.clock.advance(100us);
  }
  return n;
}

/// Stops flooding: passes until the PF has served what the VF left pending, then reads
/// whatever the PF sent, so the VF's next exchange starts clean.
inline void drain(Rig& r, Vf& vf) {
  for (int i = 0; i < 20000 && request_pending(r, vf.id()); ++i) {
    r.clock.advance(100us);
    r.pf.service_once();
  }
  REQUIRE_FALSE(request_pending(r, vf.id()));
  (void)vf.mbx().poll_message(mbx::kMaxWords);
  vf.mbx().reset_done();
}

inline bool pool_enabled(Rig& r, hal::Reg32 (*bitmap)(unsigned), unsigned pool) {
  return r.pool_bit(bitmap, pool);
}

}  // namespace pftest
