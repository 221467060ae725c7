#pragma once
// Typed ixgbe mailbox messages: encode to words, decode with validation (spec 4b).
// Requests are what a VF sends; replies what the PF answers. Decoders never trust their input:
// a PF decodes a malicious VF's buffer with them.

#include <array>
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>

#include "hal/types.hpp"
#include "mailbox/message.hpp"

namespace mbx {

enum class DecodeError {
  kTooShort,    ///< fewer words than the message needs
  kTooLong,     ///< more than 16 words
  kWrongId,     ///< word 0 carries another message id
  kBadCount,    ///< MSGINFO count out of range
  kBadMac,      ///< a MAC that the message cannot carry (zero or multicast)
  kBadValue,    ///< a field out of its range (VLAN id, API enum, xcast mode...)
  kReplyBits,   ///< a request with ACK/NACK/CTS already set
};
std::string_view to_string(DecodeError e);

// Every request decoder checks, in this order: more than 16 words (kTooLong), no word at all
// (kTooShort), another id in word 0 (kWrongId), ACK/NACK/CTS set (kReplyBits), fewer words than
// the message needs (kTooShort), then its own fields. Reply decoders check length and id.
// Encoders produce exactly the message's length (Message::size). All functions here are pure
// and thread-safe; none allocates.

// ---- Helpers for the MAC layout used by RESET, SET_MAC_ADDR and SET_MACVLAN:
// bytes 0-3 in word 1 (byte 0 lowest), bytes 4-5 in the low half of word 2.
void put_mac(std::span<uint32_t> w, size_t at, const hal::MacAddr& mac);
hal::MacAddr get_mac(std::span<const uint32_t> w, size_t at);

// ---- Requests (VF -> PF). encode() writes word 0 and the arguments; decode() checks them.

struct ResetReq {
  static constexpr MsgId kId = MsgId::kReset;
  Message encode() const;
  static std::expected<ResetReq, DecodeError> decode(std::span<const uint32_t> w);
};

struct SetMacAddrReq {
  static constexpr MsgId kId = MsgId::kSetMacAddr;
  hal::MacAddr mac;
  Message encode() const;
  /// kBadMac when the MAC is zero or multicast.
  static std::expected<SetMacAddrReq, DecodeError> decode(std::span<const uint32_t> w);
};

struct SetMulticastReq {
  static constexpr MsgId kId = MsgId::kSetMulticast;
  std::array<uint16_t, kMaxMulticast> hashes{};
  uint8_t count = 0;
  std::span<const uint16_t> list() const { return {hashes.data(), count}; }
  /// MSGINFO = count, hashes two per word (low half first). Sends at most 30 hashes.
  Message encode() const;
  /// kBadCount when MSGINFO > 30.
  static std::expected<SetMulticastReq, DecodeError> decode(std::span<const uint32_t> w);
};

struct SetVlanReq {
  static constexpr MsgId kId = MsgId::kSetVlan;
  bool add = true;
  uint16_t vid = 0;
  Message encode() const;
  /// kBadValue when VID > 4095 or MSGINFO is not 0/1.
  static std::expected<SetVlanReq, DecodeError> decode(std::span<const uint32_t> w);
};

struct SetLpeReq {
  static constexpr MsgId kId = MsgId::kSetLpe;
  uint32_t max_frame = 0;
  Message encode() const;
  static std::expected<SetLpeReq, DecodeError> decode(std::span<const uint32_t> w);
};

struct SetMacvlanReq {
  static constexpr MsgId kId = MsgId::kSetMacvlan;
  uint8_t index = 0;  ///< 0 clears the list, 1 starts a new one, >1 appends
  hal::MacAddr mac;
  Message encode() const;
  /// kBadMac when index > 0 and the MAC is not a valid unicast address.
  static std::expected<SetMacvlanReq, DecodeError> decode(std::span<const uint32_t> w);
};

struct ApiNegotiateReq {
  static constexpr MsgId kId = MsgId::kApiNegotiate;
  Api api = Api::k10;
  Message encode() const;
  /// kBadValue when the API enum is not one this codec knows.
  static std::expected<ApiNegotiateReq, DecodeError> decode(std::span<const uint32_t> w);
};

/// A request that has no argument: GET_QUEUES (5 words), GET_RETA, GET_RSS_KEY, GET_LINK_STATE.
template <MsgId Id, size_t Words>
struct EmptyReq {
  static constexpr MsgId kId = Id;
  Message encode() const;
  static std::expected<EmptyReq, DecodeError> decode(std::span<const uint32_t> w);
};
using GetQueuesReq = EmptyReq<MsgId::kGetQueues, get_queues::kWords>;
using GetRetaReq = EmptyReq<MsgId::kGetReta, 1>;
using GetRssKeyReq = EmptyReq<MsgId::kGetRssKey, 1>;
using GetLinkStateReq = EmptyReq<MsgId::kGetLinkState, 2>;

struct UpdateXcastModeReq {
  static constexpr MsgId kId = MsgId::kUpdateXcastMode;
  XcastMode mode = XcastMode::kNone;
  Message encode() const;
  static std::expected<UpdateXcastModeReq, DecodeError> decode(std::span<const uint32_t> w);
};

/// IPSEC_ADD payload (Linux struct sa_mbx_msg): SPI, direction, address, key and salt.
/// Layout: w1 = spi; w2 = dir (bits 7:0), proto (15:8), family (31:16); w3..w6 = addr;
/// w7..w15 = key bytes, byte 0 lowest. Always 16 words. Linux's key is 20 bytes (16-byte
/// AES-GCM key + 4-byte salt); the other 16 bytes are zero from a Linux VF.
struct IpsecAddReq {
  static constexpr MsgId kId = MsgId::kIpsecAdd;
  uint32_t spi = 0;  ///< network order as sent
  uint8_t dir = 0;   ///< 0 = RX (inbound); the Linux PF accepts only inbound
  std::array<uint32_t, 4> addr{};
  std::array<uint8_t, 36> key{};
  uint8_t proto = 0;    ///< IP protocol (IPPROTO_ESP = 50); Linux's byte after dir
  uint16_t family = 0;  ///< AF_INET / AF_INET6 as the VF's OS numbers them
  Message encode() const;
  /// Checks length, id and reply bits only: direction, protocol and family are PF policy.
  static std::expected<IpsecAddReq, DecodeError> decode(std::span<const uint32_t> w);
};

struct IpsecDelReq {
  static constexpr MsgId kId = MsgId::kIpsecDel;
  uint32_t pf_sa = 0;
  Message encode() const;
  static std::expected<IpsecDelReq, DecodeError> decode(std::span<const uint32_t> w);
};

// ---- Replies (PF -> VF).

/// Word 0 of a reply: the request's id and MSGINFO with ACK or NACK, and CTS when given.
uint32_t reply_word0(uint32_t request_w0, bool ack, bool cts);

struct ResetReply {
  bool ack = false;
  hal::MacAddr mac;
  uint32_t mc_filter_type = 0;
  Message encode() const;  ///< 4 words, never CTS (spec 4b)
  /// kBadValue unless exactly one of ACK/NACK is set, or when the filter type is > 3. The MAC
  /// is not checked: a NACK carries zeros and the VF validates an ACKed MAC itself.
  static std::expected<ResetReply, DecodeError> decode(std::span<const uint32_t> w);
};

struct GetQueuesReply {
  uint32_t tx_queues = 0;
  uint32_t rx_queues = 0;
  uint32_t trans_vlan = 0;
  uint32_t default_queue = 0;
  Message encode(bool ack, bool cts) const;
  static std::expected<GetQueuesReply, DecodeError> decode(std::span<const uint32_t> w);
};

struct GetRetaReply {
  std::array<uint8_t, kRetaEntries> reta{};  ///< each entry 0..3 (2 bits)
  Message encode(bool ack, bool cts) const;
  static std::expected<GetRetaReply, DecodeError> decode(std::span<const uint32_t> w);
};

struct GetRssKeyReply {
  std::array<uint8_t, kRssKeyBytes> key{};
  Message encode(bool ack, bool cts) const;
  static std::expected<GetRssKeyReply, DecodeError> decode(std::span<const uint32_t> w);
};

/// UPDATE_XCAST_MODE, GET_LINK_STATE and IPSEC_ADD answer with one value in word 1.
/// Reply decoders check length and id only; a 1-word early NACK (spec 4d) is kTooShort, so
/// callers test Message::is_nack() first.
struct ValueReply {
  MsgId id;
  uint32_t value = 0;
  Message encode(bool ack, bool cts) const;
  static std::expected<ValueReply, DecodeError> decode(MsgId id, std::span<const uint32_t> w);
};

/// PF_CONTROL_MSG (ping): one word, CTS iff the VF is clear to send.
struct PfControlMsg {
  bool cts = false;
  Message encode() const;
  static std::expected<PfControlMsg, DecodeError> decode(std::span<const uint32_t> w);
};

/// The MTA hash of `mac` for filter type `mc_filter_type` (spec 4c): 12 bits. Type 0 = address
/// bits 47:36, 1 = 46:35, 2 = 45:34, 3 = 43:32 (byte 5 is bits 47:40). Types > 3 hash as type 0.
/// The MTA register is hash >> 5, the bit hash & 0x1F. Pure; thread-safe.
uint16_t mta_hash(const hal::MacAddr& mac, uint32_t mc_filter_type);

/// Minimum request length (words) for a known id; 0 for unknown ids. SET_MULTICAST gives 1:
/// its real length is 1 + ceil(count / 2).
size_t request_words(uint16_t id);
/// Reply length (words) the PF writes for a known id: RESET 4, GET_QUEUES 5, GET_RETA 9,
/// GET_RSS_KEY 11, value replies 2, GET_PF_LINK_STATE 3, ping 1. Plain ACK/NACK replies echo
/// the request, so they have request_words(id) words. Unknown ids: 1 (word 0 | NACK).
size_t reply_words(uint16_t id);

}  // namespace mbx

template <>
struct fmt::formatter<mbx::DecodeError> : fmt::formatter<std::string_view> {
  auto format(mbx::DecodeError e, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(mbx::to_string(e), ctx);
  }
};
