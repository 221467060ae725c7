#include "vf_driver/vf_stats.hpp"

#include "hal/ixgbe/regs_vf.hpp"

namespace vf {

namespace {

namespace vfr = hal::ixgbe::vf;

/// The _MSB registers hold bits 35:32 of an octet count; the rest reads zero.
constexpr uint32_t kMsbMask = 0xF;

std::expected<uint64_t, Error> read_msb(hal::RegisterIo& bar, hal::Reg32 msb, const char* name) {
  const uint32_t v = bar.read(msb);
  // Four bits cannot read all-ones: the function no longer answers (spec 1c, style rule 7).
  if (v == hal::kDeviceGone) {
    return std::unexpected(Error{ErrorCode::kNoDevice, fmt::format("{} read all-ones", name)});
  }
  return v & kMsbMask;
}

/// A 36-bit counter split over two registers, read without tearing whether or not the device
/// latches _MSB when _LSB is read. Reads LSB, MSB, LSB again: if the LSB did not go down, no
/// carry happened between the reads and (MSB, first LSB) belong together (on a latching device
/// they do anyway). If it went down, the carry happened in between: the MSB is read again,
/// after the second LSB (which a latching device latches with it), and pairs with that one.
/// Linux and DPDK read LSB then MSB once; this costs one more read, outside the fast path.
std::expected<uint64_t, Error> read_36bit(hal::RegisterIo& bar, hal::Reg32 lsb, hal::Reg32 msb,
                                          const char* msb_name) {
  const uint32_t lo1 = bar.read(lsb);
  auto hi = read_msb(bar, msb, msb_name);
  if (!hi) return std::unexpected(std::move(hi.error()));
  const uint32_t lo2 = bar.read(lsb);
  if (lo2 >= lo1) return *hi << 32 | lo1;
  hi = read_msb(bar, msb, msb_name);
  if (!hi) return std::unexpected(std::move(hi.error()));
  return *hi << 32 | lo2;
}

}  // namespace

std::expected<VfStats::Raw, Error> VfStats::read_all(hal::RegisterIo& bar) {
  Raw r;
  // The 32-bit counters may hold any value, all-ones included; the _MSB reads tell whether
  // the function is still there.
  r.gprc = bar.read(vfr::VFGPRC);
  r.mprc = bar.read(vfr::VFMPRC);
  r.gptc = bar.read(vfr::VFGPTC);
  auto gorc = read_36bit(bar, vfr::VFGORC_LSB, vfr::VFGORC_MSB, "VFGORC_MSB");
  if (!gorc) return std::unexpected(std::move(gorc.error()));
  auto gotc = read_36bit(bar, vfr::VFGOTC_LSB, vfr::VFGOTC_MSB, "VFGOTC_MSB");
  if (!gotc) return std::unexpected(std::move(gotc.error()));
  r.gorc = *gorc;
  r.gotc = *gotc;
  return r;
}

std::expected<void, Error> VfStats::baseline(hal::RegisterIo& bar) {
  auto raw = read_all(bar);
  if (!raw) return std::unexpected(std::move(raw.error()));
  last_ = *raw;
  has_baseline_ = true;
  return {};
}

std::expected<void, Error> VfStats::update(hal::RegisterIo& bar) {
  if (!has_baseline_) return baseline(bar);
  auto raw = read_all(bar);
  if (!raw) return std::unexpected(std::move(raw.error()));
  const Raw& now = *raw;
  totals_.rx_packets += counter_delta(last_.gprc, now.gprc, kPacketCounterMask);
  totals_.rx_octets += counter_delta(last_.gorc, now.gorc, kOctetCounterMask);
  totals_.rx_multicast += counter_delta(last_.mprc, now.mprc, kPacketCounterMask);
  totals_.tx_packets += counter_delta(last_.gptc, now.gptc, kPacketCounterMask);
  totals_.tx_octets += counter_delta(last_.gotc, now.gotc, kOctetCounterMask);
  last_ = now;
  return {};
}

}  // namespace vf
