#pragma once
// The VF statistics registers (spec 1c) turned into 64-bit totals.
//
// VFGPRC, VFMPRC and VFGPTC count packets in 32 bits; VFGORC and VFGOTC count octets in 36 bits
// (32 in _LSB, 4 in _MSB). They run free and wrap, and a read does not clear them. The driver
// keeps the last raw value of each and adds the increase modulo 2^32 or 2^36, as Linux
// ixgbevf and DPDK's VF PMD do (UPDATE_VF_STAT, UPDATE_VF_STAT_36BIT). Reading at least once
// per wrap period keeps the totals exact: at 10 Gbit/s, 2^36 octets take about 55 s, 2^32
// minimum-size packets about 290 s.

#include <cstdint>
#include <expected>

#include "hal/register_io.hpp"
#include "vf_driver/error.hpp"

namespace vf {

/// Width masks of the two counter kinds.
inline constexpr uint64_t kPacketCounterMask = (uint64_t{1} << 32) - 1;
inline constexpr uint64_t kOctetCounterMask = (uint64_t{1} << 36) - 1;

/// How far a free-running counter of the width given by `mask` (2^n - 1) moved from `last` to
/// `now`, assuming it wrapped at most once.
constexpr uint64_t counter_delta(uint64_t last, uint64_t now, uint64_t mask) {
  return (now - last) & mask;
}
static_assert(counter_delta(0xFFFFFFF0, 0x10, kPacketCounterMask) == 0x20);
static_assert(counter_delta(0xFFFFFFF00, 0x100, kOctetCounterMask) == 0x200);

/// Totals since the VfStats was made (or last clear()ed).
struct VfStatCounters {
  uint64_t rx_packets = 0;    ///< VFGPRC: good packets received
  uint64_t rx_octets = 0;     ///< VFGORC: good octets received
  uint64_t rx_multicast = 0;  ///< VFMPRC: multicast packets received
  uint64_t tx_packets = 0;    ///< VFGPTC: good packets transmitted
  uint64_t tx_octets = 0;     ///< VFGOTC: good octets transmitted
  constexpr bool operator==(const VfStatCounters&) const = default;
};

/// One VF's statistics. The registers are read through the RegisterIo given to each call (the
/// VF's BAR0), so one object serves the simulated and a real 82599.
///
/// Thread safety: none; the thread that owns the VF driver calls it.
class VfStats {
 public:
  /// Reads every counter and takes the values as the starting point, adding nothing: totals
  /// keep what they have and the next update() adds only what the device counts from now on.
  /// Call it at bring-up and after every VF reset (whether the reset restarted the counters
  /// or not, the next update() then counts neither a bogus wrap nor counts from before).
  /// Errors: kNoDevice (a VFGxRC_MSB read all-ones: it holds 4 bits, so the function is gone).
  /// On an error nothing changes.
  std::expected<void, Error> baseline(hal::RegisterIo& bar);

  /// Reads every counter and adds the increase since the last read to the totals. The first
  /// call on an object without a baseline takes the baseline instead (adds nothing).
  /// Errors: kNoDevice, as baseline(); on an error nothing changes.
  std::expected<void, Error> update(hal::RegisterIo& bar);

  const VfStatCounters& totals() const { return totals_; }
  /// Zeroes the totals; the baseline stays, so counting goes on from the last read.
  void clear() { totals_ = {}; }
  bool has_baseline() const { return has_baseline_; }

 private:
  /// One read of every register: 32-bit packet counts, 36-bit octet counts.
  struct Raw {
    uint64_t gprc = 0;
    uint64_t gorc = 0;
    uint64_t mprc = 0;
    uint64_t gptc = 0;
    uint64_t gotc = 0;
  };
  static std::expected<Raw, Error> read_all(hal::RegisterIo& bar);

  Raw last_;
  VfStatCounters totals_;
  bool has_baseline_ = false;
};

}  // namespace vf
