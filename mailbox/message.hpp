#pragma once
// The ixgbe PF-VF mailbox protocol: word 0 layout, message ids, API versions (spec section 4).
// Ids and versions are append-only: never renumber.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include <fmt/format.h>

namespace mbx {

inline constexpr size_t kMaxWords = 16;  // IXGBE_VFMAILBOX_SIZE

/// Word 0 fields (spec 4a).
namespace word0 {
inline constexpr uint32_t kIdMask = 0x0000FFFFu;
inline constexpr uint32_t kMsgInfoMask = 0x00FF0000u;
inline constexpr unsigned kMsgInfoShift = 16;
inline constexpr uint32_t kCts = 1u << 29;
inline constexpr uint32_t kNack = 1u << 30;  // FAILURE in VF/DPDK naming
inline constexpr uint32_t kAck = 1u << 31;   // SUCCESS
inline constexpr uint32_t kReplyMask = kAck | kNack;

constexpr uint32_t make(uint16_t id, uint8_t msginfo = 0) {
  return id | (uint32_t{msginfo} << kMsgInfoShift);
}
constexpr uint16_t id(uint32_t w0) { return static_cast<uint16_t>(w0 & kIdMask); }
constexpr uint8_t msginfo(uint32_t w0) { return static_cast<uint8_t>((w0 & kMsgInfoMask) >> kMsgInfoShift); }
}  // namespace word0

/// Message ids (spec 4b).
enum class MsgId : uint16_t {
  kReset = 0x01,
  kSetMacAddr = 0x02,
  kSetMulticast = 0x03,
  kSetVlan = 0x04,
  kSetLpe = 0x05,
  kSetMacvlan = 0x06,
  kApiNegotiate = 0x08,
  kGetQueues = 0x09,
  kGetReta = 0x0A,
  kGetRssKey = 0x0B,
  kUpdateXcastMode = 0x0C,
  kIpsecAdd = 0x0D,
  kIpsecDel = 0x0E,
  kGetLinkState = 0x10,
  kGetPfLinkState = 0x11,
  kFeaturesNegotiate = 0x12,
  kPfControlMsg = 0x0100,
};

std::string_view to_string(MsgId id);
/// True for ids this codec knows.
bool is_known(uint16_t id);

/// API versions as sent in API_NEGOTIATE word 1 (spec 4c). The enum value is not the version.
enum class Api : uint32_t {
  k10 = 0,
  k20 = 1,
  k11 = 2,
  k12 = 3,
  k13 = 4,
  k14 = 5,
  k15 = 6,
  k16 = 7,
  k17 = 8,
  kUnknown = 9,  // first value this codec does not know
};

std::string_view to_string(Api api);
/// Orders 1.x versions by what they add (2.0, a Solaris dialect, orders below 1.1).
int api_rank(Api api);
/// True if `have` includes everything `need` introduced (both 1.x).
inline bool api_at_least(Api have, Api need) { return api_rank(have) >= api_rank(need); }

/// UPDATE_XCAST_MODE values.
enum class XcastMode : uint32_t { kNone = 0, kMulti = 1, kAllMulti = 2, kPromisc = 3 };
std::string_view to_string(XcastMode m);

/// GET_QUEUES reply word offsets.
namespace get_queues {
inline constexpr size_t kTxQueues = 1;
inline constexpr size_t kRxQueues = 2;
inline constexpr size_t kTransVlan = 3;
inline constexpr size_t kDefQueue = 4;
inline constexpr size_t kWords = 5;
}  // namespace get_queues

/// At most this many multicast hashes in SET_MULTICAST (IXGBE_MAX_VF_MC_ENTRIES).
inline constexpr unsigned kMaxMulticast = 30;
inline constexpr unsigned kRetaEntries = 128;
inline constexpr unsigned kRssKeyBytes = 40;

/// A message as it sits in the 16-word buffer: the words and how many are meaningful.
struct Message {
  std::array<uint32_t, kMaxWords> w{};
  uint8_t size = 0;

  std::span<const uint32_t> words() const { return {w.data(), size}; }
  uint16_t id() const { return word0::id(w[0]); }
  uint8_t msginfo() const { return word0::msginfo(w[0]); }
  bool is_ack() const { return (w[0] & word0::kAck) != 0; }
  bool is_nack() const { return (w[0] & word0::kNack) != 0; }
  bool has_cts() const { return (w[0] & word0::kCts) != 0; }
  static Message from(std::span<const uint32_t> words);
};

}  // namespace mbx

template <>
struct fmt::formatter<mbx::MsgId> : fmt::formatter<std::string_view> {
  auto format(mbx::MsgId id, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(mbx::to_string(id), ctx);
  }
};
template <>
struct fmt::formatter<mbx::Api> : fmt::formatter<std::string_view> {
  auto format(mbx::Api a, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(mbx::to_string(a), ctx);
  }
};
template <>
struct fmt::formatter<mbx::XcastMode> : fmt::formatter<std::string_view> {
  auto format(mbx::XcastMode m, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(mbx::to_string(m), ctx);
  }
};
