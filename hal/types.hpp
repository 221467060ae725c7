#pragma once
// Strong types shared by every layer: ids, addresses and the hal error code.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace hal {

/// A virtual function's index below its PF (0..63 on the 82599).
class VfId {
 public:
  constexpr explicit VfId(unsigned v) : v_(static_cast<uint8_t>(v)) {}
  constexpr unsigned value() const { return v_; }
  constexpr auto operator<=>(const VfId&) const = default;

 private:
  uint8_t v_;
};

/// A queue index; whether it is VF-relative or absolute is said where it is used.
class QueueId {
 public:
  constexpr explicit QueueId(unsigned v) : v_(static_cast<uint16_t>(v)) {}
  constexpr unsigned value() const { return v_; }
  constexpr auto operator<=>(const QueueId&) const = default;

 private:
  uint16_t v_;
};

/// An I/O virtual address as a device sees it. Never a CPU pointer.
class Iova {
 public:
  constexpr Iova() = default;
  constexpr explicit Iova(uint64_t v) : v_(v) {}
  constexpr uint64_t value() const { return v_; }
  constexpr auto operator<=>(const Iova&) const = default;

 private:
  uint64_t v_ = 0;
};

/// A 48-bit Ethernet address, byte 0 first on the wire.
class MacAddr {
 public:
  constexpr MacAddr() = default;
  constexpr explicit MacAddr(std::array<uint8_t, 6> b) : b_(b) {}

  constexpr const std::array<uint8_t, 6>& bytes() const { return b_; }
  constexpr uint8_t operator[](size_t i) const { return b_[i]; }
  constexpr auto operator<=>(const MacAddr&) const = default;

  constexpr bool is_zero() const { return (b_[0] | b_[1] | b_[2] | b_[3] | b_[4] | b_[5]) == 0; }
  constexpr bool is_multicast() const { return (b_[0] & 0x01) != 0; }
  constexpr bool is_broadcast() const {
    return (b_[0] & b_[1] & b_[2] & b_[3] & b_[4] & b_[5]) == 0xFF;
  }
  /// What Linux calls is_valid_ether_addr: not zero and not multicast.
  constexpr bool is_valid_unicast() const { return !is_zero() && !is_multicast(); }
  constexpr bool is_locally_administered() const { return (b_[0] & 0x02) != 0; }

  /// Parses "aa:bb:cc:dd:ee:ff" (case-insensitive); nullopt on anything else.
  static std::optional<MacAddr> parse(std::string_view text);
  std::string to_string() const;

 private:
  std::array<uint8_t, 6> b_{};
};

/// Errors of the hardware abstraction.
enum class Error {
  kOutOfRange,      ///< an index or offset beyond what the device has
  kNoDevice,        ///< the function does not exist (VF not enabled) or is gone
  kBusy,            ///< the operation is not allowed in the current state
  kInvalidArgument, ///< a malformed request
  kDmaFault,        ///< an address outside the DMA domain
  kOverlap,         ///< a DMA mapping overlaps an existing one
  kSystem,          ///< an OS call failed (errno is logged)
};

std::string_view to_string(Error e);

}  // namespace hal

template <>
struct fmt::formatter<hal::VfId> : fmt::formatter<unsigned> {
  auto format(hal::VfId id, format_context& ctx) const {
    return fmt::formatter<unsigned>::format(id.value(), ctx);
  }
};
template <>
struct fmt::formatter<hal::QueueId> : fmt::formatter<unsigned> {
  auto format(hal::QueueId id, format_context& ctx) const {
    return fmt::formatter<unsigned>::format(id.value(), ctx);
  }
};
template <>
struct fmt::formatter<hal::Iova> : fmt::formatter<std::string_view> {
  auto format(hal::Iova a, format_context& ctx) const {
    return fmt::format_to(ctx.out(), "{:#x}", a.value());
  }
};
template <>
struct fmt::formatter<hal::MacAddr> : fmt::formatter<std::string_view> {
  auto format(const hal::MacAddr& m, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(m.to_string(), ctx);
  }
};
template <>
struct fmt::formatter<hal::Error> : fmt::formatter<std::string_view> {
  auto format(hal::Error e, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(hal::to_string(e), ctx);
  }
};
