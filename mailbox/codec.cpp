#include "mailbox/codec.hpp"

#include "hal/ixgbe/regs_pf.hpp"

#include <algorithm>

namespace mbx {
namespace {

using Unexpected = std::unexpected<DecodeError>;
using Check = std::expected<void, DecodeError>;

// Word 0 bits a VF must never set: the PF ignores such a message (spec 4a), so the decoder
// refuses it rather than let a handler act on it.
constexpr uint32_t kReplyBits = word0::kReplyMask | word0::kCts;

// Checks shared by every request decoder, in the order a reader would want them reported:
// a buffer that cannot be a message, then the wrong message, then one too short for its id.
Check check_request(std::span<const uint32_t> w, MsgId id, size_t need) {
  if (w.size() > kMaxWords) return Unexpected(DecodeError::kTooLong);
  if (w.empty()) return Unexpected(DecodeError::kTooShort);
  if (word0::id(w[0]) != static_cast<uint16_t>(id)) return Unexpected(DecodeError::kWrongId);
  if ((w[0] & kReplyBits) != 0) return Unexpected(DecodeError::kReplyBits);
  if (w.size() < need) return Unexpected(DecodeError::kTooShort);
  return {};
}

// Replies carry ACK/NACK/CTS by definition; only length and id are checked here.
Check check_reply(std::span<const uint32_t> w, MsgId id, size_t need) {
  if (w.size() > kMaxWords) return Unexpected(DecodeError::kTooLong);
  if (w.empty()) return Unexpected(DecodeError::kTooShort);
  if (word0::id(w[0]) != static_cast<uint16_t>(id)) return Unexpected(DecodeError::kWrongId);
  if (w.size() < need) return Unexpected(DecodeError::kTooShort);
  return {};
}

Message sized(uint32_t w0, size_t words) {
  Message m;
  m.w[0] = w0;
  m.size = static_cast<uint8_t>(words);
  return m;
}

constexpr uint32_t id_word(MsgId id, uint8_t msginfo = 0) {
  return word0::make(static_cast<uint16_t>(id), msginfo);
}

// Byte arrays travel as the little-endian memory image Linux memcpy()s into the buffer:
// byte i is in word (first + i/4), bits 8*(i%4)+7 .. 8*(i%4).
template <size_t N>
void put_bytes(std::span<uint32_t> w, size_t first, const std::array<uint8_t, N>& bytes) {
  for (size_t i = 0; i < N; ++i) w[first + i / 4] |= uint32_t{bytes[i]} << (8 * (i % 4));
}
template <size_t N>
void get_bytes(std::span<const uint32_t> w, size_t first, std::array<uint8_t, N>& bytes) {
  for (size_t i = 0; i < N; ++i) bytes[i] = static_cast<uint8_t>(w[first + i / 4] >> (8 * (i % 4)));
}

constexpr size_t words_for_hashes(size_t n) { return 1 + (n + 1) / 2; }

// sa_mbx_msg layout after word 0 (Linux ixgbe_ipsec.h): spi, {dir, proto, family}, addr[4], key.
namespace ipsec {
constexpr size_t kSpi = 1;
constexpr size_t kDirWord = 2;
constexpr size_t kAddr = 3;
constexpr size_t kKey = 7;
constexpr size_t kWords = kKey + (36 + 3) / 4;
static_assert(kWords == kMaxWords, "IPSEC_ADD fills the whole mailbox");
}  // namespace ipsec

// RETA: 16 two-bit entries per word (spec 4b).
constexpr unsigned kRetaPerWord = 16;
constexpr size_t kRetaWords = 1 + kRetaEntries / kRetaPerWord;
constexpr size_t kRssKeyWords = 1 + kRssKeyBytes / 4;
constexpr size_t kResetReplyWords = 4;  // IXGBE_VF_PERMADDR_MSG_LEN
constexpr size_t kValueReplyWords = 2;
constexpr uint32_t kMaxVid = 4095;
constexpr uint32_t kMaxFilterType = 3;

}  // namespace

std::string_view to_string(DecodeError e) {
  switch (e) {
    case DecodeError::kTooShort: return "message too short";
    case DecodeError::kTooLong: return "message longer than 16 words";
    case DecodeError::kWrongId: return "wrong message id";
    case DecodeError::kBadCount: return "count out of range";
    case DecodeError::kBadMac: return "invalid MAC address";
    case DecodeError::kBadValue: return "field out of range";
    case DecodeError::kReplyBits: return "request carries reply bits";
  }
  return "unknown decode error";
}

void put_mac(std::span<uint32_t> w, size_t at, const hal::MacAddr& mac) {
  if (w.size() < at + 2) return;  // no room: leave the buffer as it was
  w[at] = uint32_t{mac[0]} | uint32_t{mac[1]} << 8 | uint32_t{mac[2]} << 16 |
          uint32_t{mac[3]} << 24;
  w[at + 1] = uint32_t{mac[4]} | uint32_t{mac[5]} << 8;
}

hal::MacAddr get_mac(std::span<const uint32_t> w, size_t at) {
  if (w.size() < at + 2) return {};
  const auto b = [](uint32_t v, unsigned i) { return static_cast<uint8_t>(v >> (8 * i)); };
  return hal::MacAddr({b(w[at], 0), b(w[at], 1), b(w[at], 2), b(w[at], 3), b(w[at + 1], 0),
                       b(w[at + 1], 1)});
}

// ---- Requests.

Message ResetReq::encode() const { return sized(id_word(kId), 1); }

std::expected<ResetReq, DecodeError> ResetReq::decode(std::span<const uint32_t> w) {
  if (auto c = check_request(w, kId, 1); !c) return Unexpected(c.error());
  return ResetReq{};
}

Message SetMacAddrReq::encode() const {
  Message m = sized(id_word(kId), 3);
  put_mac(m.w, 1, mac);
  return m;
}

std::expected<SetMacAddrReq, DecodeError> SetMacAddrReq::decode(std::span<const uint32_t> w) {
  if (auto c = check_request(w, kId, 3); !c) return Unexpected(c.error());
  SetMacAddrReq r;
  r.mac = get_mac(w, 1);
  if (!r.mac.is_valid_unicast()) return Unexpected(DecodeError::kBadMac);
  return r;
}

Message SetMulticastReq::encode() const {
  // The PF keeps at most 30 hashes; sending more would only be refused.
  const uint8_t n = std::min<uint8_t>(count, kMaxMulticast);
  Message m = sized(id_word(kId, n), words_for_hashes(n));
  for (size_t i = 0; i < n; ++i) m.w[1 + i / 2] |= uint32_t{hashes[i]} << (16 * (i % 2));
  return m;
}

std::expected<SetMulticastReq, DecodeError> SetMulticastReq::decode(std::span<const uint32_t> w) {
  if (auto c = check_request(w, kId, 1); !c) return Unexpected(c.error());
  const uint8_t n = word0::msginfo(w[0]);
  if (n > kMaxMulticast) return Unexpected(DecodeError::kBadCount);
  if (w.size() < words_for_hashes(n)) return Unexpected(DecodeError::kTooShort);
  SetMulticastReq r;
  r.count = n;
  for (size_t i = 0; i < n; ++i) r.hashes[i] = static_cast<uint16_t>(w[1 + i / 2] >> (16 * (i % 2)));
  return r;
}

Message SetVlanReq::encode() const {
  Message m = sized(id_word(kId, add ? 1 : 0), 2);
  m.w[1] = vid;
  return m;
}

std::expected<SetVlanReq, DecodeError> SetVlanReq::decode(std::span<const uint32_t> w) {
  if (auto c = check_request(w, kId, 2); !c) return Unexpected(c.error());
  const uint8_t add = word0::msginfo(w[0]);
  if (add > 1 || w[1] > kMaxVid) return Unexpected(DecodeError::kBadValue);
  return SetVlanReq{.add = add == 1, .vid = static_cast<uint16_t>(w[1])};
}

Message SetLpeReq::encode() const {
  Message m = sized(id_word(kId), 2);
  m.w[1] = max_frame;
  return m;
}

std::expected<SetLpeReq, DecodeError> SetLpeReq::decode(std::span<const uint32_t> w) {
  // The frame size range is PF policy (it depends on the PF's MTU), not a codec matter.
  if (auto c = check_request(w, kId, 2); !c) return Unexpected(c.error());
  return SetLpeReq{.max_frame = w[1]};
}

Message SetMacvlanReq::encode() const {
  Message m = sized(id_word(kId, index), 3);
  put_mac(m.w, 1, mac);
  return m;
}

std::expected<SetMacvlanReq, DecodeError> SetMacvlanReq::decode(std::span<const uint32_t> w) {
  if (auto c = check_request(w, kId, 3); !c) return Unexpected(c.error());
  SetMacvlanReq r;
  r.index = word0::msginfo(w[0]);
  r.mac = get_mac(w, 1);
  // Index 0 only clears the list; its MAC words are meaningless (Linux sends zeros).
  if (r.index > 0 && !r.mac.is_valid_unicast()) return Unexpected(DecodeError::kBadMac);
  return r;
}

Message ApiNegotiateReq::encode() const {
  Message m = sized(id_word(kId), 3);
  m.w[1] = static_cast<uint32_t>(api);
  m.w[2] = 0;
  return m;
}

std::expected<ApiNegotiateReq, DecodeError> ApiNegotiateReq::decode(std::span<const uint32_t> w) {
  if (auto c = check_request(w, kId, 3); !c) return Unexpected(c.error());
  if (w[1] >= static_cast<uint32_t>(Api::kUnknown)) return Unexpected(DecodeError::kBadValue);
  return ApiNegotiateReq{.api = static_cast<Api>(w[1])};
}

template <MsgId Id, size_t Words>
Message EmptyReq<Id, Words>::encode() const {
  return sized(id_word(Id), Words);
}

template <MsgId Id, size_t Words>
std::expected<EmptyReq<Id, Words>, DecodeError> EmptyReq<Id, Words>::decode(
    std::span<const uint32_t> w) {
  if (auto c = check_request(w, Id, Words); !c) return Unexpected(c.error());
  return EmptyReq{};
}

template struct EmptyReq<MsgId::kGetQueues, get_queues::kWords>;
template struct EmptyReq<MsgId::kGetReta, 1>;
template struct EmptyReq<MsgId::kGetRssKey, 1>;
template struct EmptyReq<MsgId::kGetLinkState, 2>;

Message UpdateXcastModeReq::encode() const {
  Message m = sized(id_word(kId), 2);
  m.w[1] = static_cast<uint32_t>(mode);
  return m;
}

std::expected<UpdateXcastModeReq, DecodeError> UpdateXcastModeReq::decode(
    std::span<const uint32_t> w) {
  if (auto c = check_request(w, kId, 2); !c) return Unexpected(c.error());
  if (w[1] > static_cast<uint32_t>(XcastMode::kPromisc)) return Unexpected(DecodeError::kBadValue);
  return UpdateXcastModeReq{.mode = static_cast<XcastMode>(w[1])};
}

Message IpsecAddReq::encode() const {
  Message m = sized(id_word(kId), ipsec::kWords);
  m.w[ipsec::kSpi] = spi;
  m.w[ipsec::kDirWord] = uint32_t{dir} | uint32_t{proto} << 8 | uint32_t{family} << 16;
  std::copy(addr.begin(), addr.end(), m.w.begin() + ipsec::kAddr);
  put_bytes(m.w, ipsec::kKey, key);
  return m;
}

std::expected<IpsecAddReq, DecodeError> IpsecAddReq::decode(std::span<const uint32_t> w) {
  // Direction, protocol and family are PF policy (the Linux PF takes inbound ESP only).
  if (auto c = check_request(w, kId, ipsec::kWords); !c) return Unexpected(c.error());
  IpsecAddReq r;
  r.spi = w[ipsec::kSpi];
  r.dir = static_cast<uint8_t>(w[ipsec::kDirWord]);
  r.proto = static_cast<uint8_t>(w[ipsec::kDirWord] >> 8);
  r.family = static_cast<uint16_t>(w[ipsec::kDirWord] >> 16);
  std::copy_n(w.begin() + ipsec::kAddr, r.addr.size(), r.addr.begin());
  get_bytes(w, ipsec::kKey, r.key);
  return r;
}

Message IpsecDelReq::encode() const {
  Message m = sized(id_word(kId), 2);
  m.w[1] = pf_sa;
  return m;
}

std::expected<IpsecDelReq, DecodeError> IpsecDelReq::decode(std::span<const uint32_t> w) {
  if (auto c = check_request(w, kId, 2); !c) return Unexpected(c.error());
  return IpsecDelReq{.pf_sa = w[1]};
}

// ---- Replies.

uint32_t reply_word0(uint32_t request_w0, bool ack, bool cts) {
  return (request_w0 & (word0::kIdMask | word0::kMsgInfoMask)) |
         (ack ? word0::kAck : word0::kNack) | (cts ? word0::kCts : 0);
}

Message ResetReply::encode() const {
  // Never CTS: the VF learns it is clear to send from the next message (spec 4b).
  Message m = sized(reply_word0(id_word(MsgId::kReset), ack, false), kResetReplyWords);
  put_mac(m.w, 1, mac);
  m.w[3] = mc_filter_type;
  return m;
}

std::expected<ResetReply, DecodeError> ResetReply::decode(std::span<const uint32_t> w) {
  if (auto c = check_reply(w, MsgId::kReset, kResetReplyWords); !c) return Unexpected(c.error());
  // Exactly one of ACK/NACK, as the Linux VF insists; the filter type feeds mta_hash().
  const uint32_t verdict = w[0] & word0::kReplyMask;
  if (verdict != word0::kAck && verdict != word0::kNack) return Unexpected(DecodeError::kBadValue);
  if (w[3] > kMaxFilterType) return Unexpected(DecodeError::kBadValue);
  return ResetReply{.ack = verdict == word0::kAck, .mac = get_mac(w, 1), .mc_filter_type = w[3]};
}

Message GetQueuesReply::encode(bool ack, bool cts) const {
  Message m = sized(reply_word0(id_word(MsgId::kGetQueues), ack, cts), get_queues::kWords);
  m.w[get_queues::kTxQueues] = tx_queues;
  m.w[get_queues::kRxQueues] = rx_queues;
  m.w[get_queues::kTransVlan] = trans_vlan;
  m.w[get_queues::kDefQueue] = default_queue;
  return m;
}

std::expected<GetQueuesReply, DecodeError> GetQueuesReply::decode(std::span<const uint32_t> w) {
  if (auto c = check_reply(w, MsgId::kGetQueues, get_queues::kWords); !c) {
    return Unexpected(c.error());
  }
  // Queue counts are clamped by the VF driver (DPDK and Linux both do); any value decodes.
  return GetQueuesReply{.tx_queues = w[get_queues::kTxQueues],
                        .rx_queues = w[get_queues::kRxQueues],
                        .trans_vlan = w[get_queues::kTransVlan],
                        .default_queue = w[get_queues::kDefQueue]};
}

Message GetRetaReply::encode(bool ack, bool cts) const {
  Message m = sized(reply_word0(id_word(MsgId::kGetReta), ack, cts), kRetaWords);
  for (unsigned i = 0; i < kRetaEntries; ++i) {
    m.w[1 + i / kRetaPerWord] |= uint32_t{reta[i] & 0x3u} << (2 * (i % kRetaPerWord));
  }
  return m;
}

std::expected<GetRetaReply, DecodeError> GetRetaReply::decode(std::span<const uint32_t> w) {
  if (auto c = check_reply(w, MsgId::kGetReta, kRetaWords); !c) return Unexpected(c.error());
  GetRetaReply r;
  for (unsigned i = 0; i < kRetaEntries; ++i) {
    r.reta[i] = static_cast<uint8_t>((w[1 + i / kRetaPerWord] >> (2 * (i % kRetaPerWord))) & 0x3u);
  }
  return r;
}

Message GetRssKeyReply::encode(bool ack, bool cts) const {
  Message m = sized(reply_word0(id_word(MsgId::kGetRssKey), ack, cts), kRssKeyWords);
  put_bytes(m.w, 1, key);
  return m;
}

std::expected<GetRssKeyReply, DecodeError> GetRssKeyReply::decode(std::span<const uint32_t> w) {
  if (auto c = check_reply(w, MsgId::kGetRssKey, kRssKeyWords); !c) return Unexpected(c.error());
  GetRssKeyReply r;
  get_bytes(w, 1, r.key);
  return r;
}

Message ValueReply::encode(bool ack, bool cts) const {
  Message m = sized(reply_word0(id_word(id), ack, cts), kValueReplyWords);
  m.w[1] = value;
  return m;
}

std::expected<ValueReply, DecodeError> ValueReply::decode(MsgId id, std::span<const uint32_t> w) {
  if (auto c = check_reply(w, id, kValueReplyWords); !c) return Unexpected(c.error());
  return ValueReply{.id = id, .value = w[1]};
}

Message PfControlMsg::encode() const {
  return sized(id_word(MsgId::kPfControlMsg) | (cts ? word0::kCts : 0), 1);
}

std::expected<PfControlMsg, DecodeError> PfControlMsg::decode(std::span<const uint32_t> w) {
  if (auto c = check_reply(w, MsgId::kPfControlMsg, 1); !c) return Unexpected(c.error());
  return PfControlMsg{.cts = (w[0] & word0::kCts) != 0};
}

// ---- Helpers.

uint16_t mta_hash(const hal::MacAddr& mac, uint32_t mc_filter_type) {
  // The hardware's hash (hal::ixgbe::pf::mta::hash, spec 4c); a filter type no PF should send
  // falls back to type 0, what both PFs use.
  const unsigned type = mc_filter_type <= 3 ? mc_filter_type : 0;
  return hal::ixgbe::pf::mta::hash(mac[4], mac[5], type);
}

size_t request_words(uint16_t id) {
  switch (static_cast<MsgId>(id)) {
    case MsgId::kReset: return 1;
    case MsgId::kSetMacAddr: return 3;
    case MsgId::kSetMulticast: return 1;  // plus ceil(count / 2) hash words
    case MsgId::kSetVlan: return 2;
    case MsgId::kSetLpe: return 2;
    case MsgId::kSetMacvlan: return 3;
    case MsgId::kApiNegotiate: return 3;
    case MsgId::kGetQueues: return get_queues::kWords;
    case MsgId::kGetReta: return 1;
    case MsgId::kGetRssKey: return 1;
    case MsgId::kUpdateXcastMode: return 2;
    case MsgId::kIpsecAdd: return ipsec::kWords;
    case MsgId::kIpsecDel: return 2;
    case MsgId::kGetLinkState: return 2;
    case MsgId::kGetPfLinkState: return 3;
    case MsgId::kFeaturesNegotiate: return 2;
    case MsgId::kPfControlMsg: return 1;
  }
  return 0;
}

size_t reply_words(uint16_t id) {
  switch (static_cast<MsgId>(id)) {
    case MsgId::kReset: return kResetReplyWords;
    case MsgId::kGetQueues: return get_queues::kWords;
    case MsgId::kGetReta: return kRetaWords;
    case MsgId::kGetRssKey: return kRssKeyWords;
    case MsgId::kUpdateXcastMode:
    case MsgId::kGetLinkState:
    case MsgId::kIpsecAdd:
    case MsgId::kIpsecDel:
    case MsgId::kFeaturesNegotiate: return kValueReplyWords;
    case MsgId::kGetPfLinkState: return 3;
    case MsgId::kPfControlMsg: return 1;
    // Plain ACK/NACK replies echo the request (the Linux PF answers in the buffer it read).
    case MsgId::kSetMacAddr:
    case MsgId::kSetMulticast:
    case MsgId::kSetVlan:
    case MsgId::kSetLpe:
    case MsgId::kSetMacvlan:
    case MsgId::kApiNegotiate: return request_words(id);
  }
  return 1;  // an unknown id is NACKed with word 0 alone
}

}  // namespace mbx
