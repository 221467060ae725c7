// Decoders against malformed buffers: each DecodeError, in the documented order.

#include <set>
#include <type_traits>

#include <catch2/catch.hpp>

#include "mailbox/codec.hpp"

using namespace mbx;
using W = std::vector<uint32_t>;

namespace {

// 17 words starting with a valid word 0 for `id`.
W too_long(uint16_t id) {
  W w(kMaxWords + 1, 0);
  w[0] = id;
  return w;
}

template <typename Req>
std::expected<Req, DecodeError> dec(const W& w) {
  return Req::decode(w);
}

// A well-formed encoding of `Req`: the default value, with a unicast MAC where one is needed.
template <typename Req>
W valid_sample() {
  Req r{};
  if constexpr (std::is_same_v<Req, SetMacAddrReq>) r.mac = hal::MacAddr({2, 0, 0, 0, 0, 1});
  const Message m = r.encode();
  return {m.words().begin(), m.words().end()};
}

}  // namespace

TEMPLATE_TEST_CASE("Request decoders refuse more than 16 words, no words, another id and reply bits",
                   "[codec][malformed]", ResetReq, SetMacAddrReq, SetMulticastReq, SetVlanReq,
                   SetLpeReq, SetMacvlanReq, ApiNegotiateReq, GetQueuesReq, GetRetaReq,
                   GetRssKeyReq, UpdateXcastModeReq, IpsecAddReq, IpsecDelReq, GetLinkStateReq) {
  const uint16_t id = static_cast<uint16_t>(TestType::kId);
  CHECK(dec<TestType>(too_long(id)).error() == DecodeError::kTooLong);
  CHECK(dec<TestType>(W{}).error() == DecodeError::kTooShort);

  const W good = valid_sample<TestType>();
  REQUIRE(dec<TestType>(good).has_value());

  W other = good;
  other[0] = id == 0x01 ? 0x02 : 0x01;
  CHECK(dec<TestType>(other).error() == DecodeError::kWrongId);

  for (uint32_t bit : {word0::kAck, word0::kNack, word0::kCts}) {
    W flagged = good;
    flagged[0] |= bit;
    CHECK(dec<TestType>(flagged).error() == DecodeError::kReplyBits);
  }
}

TEMPLATE_TEST_CASE("Request decoders refuse a buffer one word shorter than the message",
                   "[codec][malformed]", SetMacAddrReq, SetVlanReq, SetLpeReq, SetMacvlanReq,
                   ApiNegotiateReq, GetQueuesReq, UpdateXcastModeReq, IpsecAddReq, IpsecDelReq,
                   GetLinkStateReq) {
  const uint16_t id = static_cast<uint16_t>(TestType::kId);
  const size_t need = request_words(id);
  REQUIRE(need >= 2);
  W w(need - 1, 0);
  w[0] = id;
  CHECK(dec<TestType>(w).error() == DecodeError::kTooShort);
}

TEST_CASE("SET_MULTICAST with more than 30 hashes is kBadCount", "[codec][malformed]") {
  W w(16, 0);
  w[0] = word0::make(0x03, 31);
  CHECK(SetMulticastReq::decode(w).error() == DecodeError::kBadCount);
  w[0] = word0::make(0x03, 255);
  CHECK(SetMulticastReq::decode(w).error() == DecodeError::kBadCount);
  w[0] = word0::make(0x03, 30);
  CHECK(SetMulticastReq::decode(w).has_value());
}

TEST_CASE("SET_MULTICAST shorter than its count needs is kTooShort", "[codec][malformed]") {
  // Five hashes need 1 + 3 words.
  CHECK(SetMulticastReq::decode(W{word0::make(0x03, 5), 0, 0}).error() == DecodeError::kTooShort);
  CHECK(SetMulticastReq::decode(W{word0::make(0x03, 5), 0, 0, 0}).has_value());
}

TEST_CASE("SET_MAC_ADDR with a zero or multicast MAC is kBadMac", "[codec][malformed]") {
  CHECK(SetMacAddrReq::decode(W{0x02, 0, 0}).error() == DecodeError::kBadMac);
  CHECK(SetMacAddrReq::decode(W{0x02, 0x00005E01, 0x0100}).error() == DecodeError::kBadMac);
  CHECK(SetMacAddrReq::decode(W{0x02, 0xFFFFFFFF, 0xFFFF}).error() == DecodeError::kBadMac);
  CHECK(SetMacAddrReq::decode(W{0x02, 0x00005E00, 0x0100}).has_value());
}

TEST_CASE("SET_MACVLAN with index > 0 and an invalid MAC is kBadMac", "[codec][malformed]") {
  CHECK(SetMacvlanReq::decode(W{word0::make(0x06, 1), 0, 0}).error() == DecodeError::kBadMac);
  CHECK(SetMacvlanReq::decode(W{word0::make(0x06, 5), 0x01, 0}).error() == DecodeError::kBadMac);
  CHECK(SetMacvlanReq::decode(W{word0::make(0x06, 0), 0x01, 0}).has_value());
}

TEST_CASE("SET_VLAN with a VID above 4095 or MSGINFO other than 0/1 is kBadValue",
          "[codec][malformed]") {
  CHECK(SetVlanReq::decode(W{word0::make(0x04, 1), 4096}).error() == DecodeError::kBadValue);
  CHECK(SetVlanReq::decode(W{word0::make(0x04, 0), 0xFFFFFFFF}).error() == DecodeError::kBadValue);
  CHECK(SetVlanReq::decode(W{word0::make(0x04, 2), 10}).error() == DecodeError::kBadValue);
  CHECK(SetVlanReq::decode(W{word0::make(0x04, 1), 4095}).has_value());
}

TEST_CASE("API_NEGOTIATE with an API enum the codec does not know is kBadValue",
          "[codec][malformed]") {
  CHECK(ApiNegotiateReq::decode(W{0x08, 9, 0}).error() == DecodeError::kBadValue);
  CHECK(ApiNegotiateReq::decode(W{0x08, 0xFFFFFFFF, 0}).error() == DecodeError::kBadValue);
  CHECK(ApiNegotiateReq::decode(W{0x08, 8, 0}).has_value());
}

TEST_CASE("UPDATE_XCAST_MODE above PROMISC is kBadValue", "[codec][malformed]") {
  CHECK(UpdateXcastModeReq::decode(W{0x0C, 4}).error() == DecodeError::kBadValue);
  CHECK(UpdateXcastModeReq::decode(W{0x0C, 3}).has_value());
}

TEST_CASE("VF_RESET reply needs exactly one of ACK/NACK and a filter type <= 3",
          "[codec][malformed]") {
  CHECK(ResetReply::decode(W{0x00000001, 0, 0, 0}).error() == DecodeError::kBadValue);
  CHECK(ResetReply::decode(W{0xC0000001, 0, 0, 0}).error() == DecodeError::kBadValue);
  CHECK(ResetReply::decode(W{0x80000001, 0, 0, 4}).error() == DecodeError::kBadValue);
  CHECK(ResetReply::decode(W{0x80000001, 0, 0}).error() == DecodeError::kTooShort);
  CHECK(ResetReply::decode(W{0x80000002, 0, 0, 0}).error() == DecodeError::kWrongId);
}

TEST_CASE("Reply decoders refuse another id, too few words and more than 16", "[codec][malformed]") {
  CHECK(GetQueuesReply::decode(W{0x80000009, 1, 1, 0}).error() == DecodeError::kTooShort);
  CHECK(GetQueuesReply::decode(W{0x8000000A, 1, 1, 0, 0}).error() == DecodeError::kWrongId);
  CHECK(GetQueuesReply::decode(too_long(0x09)).error() == DecodeError::kTooLong);
  CHECK(GetRetaReply::decode(W(8, 0x8000000A)).error() == DecodeError::kTooShort);
  CHECK(GetRssKeyReply::decode(W(10, 0x8000000B)).error() == DecodeError::kTooShort);
  CHECK(PfControlMsg::decode(W{0x80000001}).error() == DecodeError::kWrongId);
  CHECK(PfControlMsg::decode(W{}).error() == DecodeError::kTooShort);
}

TEST_CASE("A one-word early NACK is too short for a value reply", "[codec][malformed]") {
  CHECK(ValueReply::decode(MsgId::kUpdateXcastMode, W{0x4000000C}).error() ==
        DecodeError::kTooShort);
  CHECK(ValueReply::decode(MsgId::kGetLinkState, W{0x8000000C, 1}).error() ==
        DecodeError::kWrongId);
}

TEST_CASE("Every DecodeError has its own name", "[codec]") {
  const std::vector<DecodeError> all{DecodeError::kTooShort, DecodeError::kTooLong,
                                     DecodeError::kWrongId,  DecodeError::kBadCount,
                                     DecodeError::kBadMac,   DecodeError::kBadValue,
                                     DecodeError::kReplyBits};
  std::set<std::string_view> names;
  for (DecodeError e : all) {
    CHECK(to_string(e) != "unknown decode error");
    names.insert(to_string(e));
  }
  CHECK(names.size() == all.size());
  CHECK(fmt::format("{}", DecodeError::kBadMac) == to_string(DecodeError::kBadMac));
}
