#include "harness/failover/partner.hpp"

#include <algorithm>

namespace harness::failover {

namespace {
// An idle partner does not save up more than this: a burst of a millisecond at most.
constexpr uint64_t kPartnerMaxBurstNs = 1'000'000;
}  // namespace

Partner::Partner(fabric::TorSwitch& tor, unsigned port, hal::MacAddr mac, hal::MacAddr guest, uint64_t rate_pps,
                 const hal::Clock& clock)
    : tor_(tor), port_(port), mac_(mac), rate_(rate_pps), clock_(clock), last_(clock.now()) {
  apps::ProbeSpec spec;
  spec.dst = guest;
  spec.src = mac;
  spec.src_ip = apps::inet::Ipv4Addr({10, 0, 0, 2});
  spec.dst_ip = apps::inet::Ipv4Addr({10, 0, 0, 1});
  // The built-in header of a minimum frame always builds.
  hdr_ = apps::build_probe_header(spec).value();
  frame_.assign(spec.frame_len, 0);
  std::copy_n(hdr_.bytes.begin(), hdr_.len, frame_.begin());
  rx_.reserve(sim::kMaxWireFrame);
}

void Partner::set_sending(bool on) {
  if (on && !sending_) last_ = clock_.now();  // no credit for the time it was off
  sending_ = on;
}

void Partner::generate() {
  const hal::Nanos now = clock_.now();
  const uint64_t dt = static_cast<uint64_t>(std::max<int64_t>(0, (now - last_).count()));
  last_ = now;
  if (!sending_ || rate_ == 0) return;
  credit_ = std::min<uint64_t>(credit_ + dt * rate_, kPartnerMaxBurstNs * rate_ + 1'000'000'000ULL);
  while (credit_ >= 1'000'000'000ULL) {
    credit_ -= 1'000'000'000ULL;
    apps::write_probe_fields(frame_.data(), hdr_, c_.sent, static_cast<uint64_t>(now.count()));
    tor_.inject(port_, frame_);
    ++c_.sent;
  }
}

void Partner::receive() {
  const hal::Nanos now = clock_.now();
  while (tor_.take(port_, rx_)) {
    ++c_.received;
    const auto p = apps::parse_probe(rx_, static_cast<uint32_t>(rx_.size()));
    if (p && p->flow == 0) {
      ++c_.probes;
      from_guest_.on_probe(p->seq, now);
    } else {
      ++c_.not_probe;
    }
  }
}

}  // namespace harness::failover
