// Requests (VF -> PF): exact word layout of every encoder, and decode(encode(x)) == x.

#include <catch2/catch.hpp>

#include "mailbox/codec.hpp"
#include "tests/mailbox/codec_test_util.hpp"

using namespace mbx;
using mbx::test::words_of;
using W = std::vector<uint32_t>;

TEST_CASE("VF_RESET request is one word with the id alone", "[codec][request]") {
  const Message m = ResetReq{}.encode();
  CHECK(words_of(m) == W{0x00000001});
  CHECK(m.size == request_words(0x01));
  CHECK(ResetReq::decode(m.words()).has_value());
}

TEST_CASE("SET_MAC_ADDR puts MAC bytes 0-3 in word 1 and 4-5 in the low half of word 2",
          "[codec][request]") {
  const Message m = SetMacAddrReq{.mac = test::kMac}.encode();
  CHECK(words_of(m) == W{0x00000002, 0x33221102, 0x00005544});
  CHECK(m.size == request_words(0x02));
  auto d = SetMacAddrReq::decode(m.words());
  REQUIRE(d.has_value());
  CHECK(d->mac == test::kMac);
}

TEST_CASE("SET_MULTICAST packs hashes two per word, low half first, count in MSGINFO",
          "[codec][request]") {
  SetMulticastReq r;
  r.hashes[0] = 0x123;
  r.hashes[1] = 0x456;
  r.hashes[2] = 0xABC;
  r.count = 3;
  const Message m = r.encode();
  CHECK(words_of(m) == W{0x00030003, 0x04560123, 0x00000ABC});
  auto d = SetMulticastReq::decode(m.words());
  REQUIRE(d.has_value());
  CHECK(d->count == 3);
  CHECK(std::vector<uint16_t>(d->list().begin(), d->list().end()) ==
        std::vector<uint16_t>{0x123, 0x456, 0xABC});
}

TEST_CASE("SET_MULTICAST length is 1 + ceil(n/2) words", "[codec][request]") {
  SetMulticastReq r;
  for (unsigned i = 0; i < kMaxMulticast; ++i) r.hashes[i] = static_cast<uint16_t>(0x100 + i);
  for (uint8_t n : {0, 1, 2, 29, 30}) {
    r.count = n;
    const Message m = r.encode();
    CHECK(m.size == 1 + (n + 1) / 2);
    CHECK(m.msginfo() == n);
    auto d = SetMulticastReq::decode(m.words());
    REQUIRE(d.has_value());
    REQUIRE(d->count == n);
    for (unsigned i = 0; i < n; ++i) CHECK(d->hashes[i] == 0x100 + i);
  }
}

TEST_CASE("SET_MULTICAST encoder sends at most 30 hashes", "[codec][request]") {
  SetMulticastReq r;
  r.count = 40;
  const Message m = r.encode();
  CHECK(m.msginfo() == kMaxMulticast);
  CHECK(m.size == 16);
}

TEST_CASE("SET_VLAN carries the add flag in MSGINFO and the VID in word 1", "[codec][request]") {
  CHECK(words_of(SetVlanReq{.add = true, .vid = 100}.encode()) == W{0x00010004, 100});
  const Message rm = SetVlanReq{.add = false, .vid = 4095}.encode();
  CHECK(words_of(rm) == W{0x00000004, 4095});
  auto d = SetVlanReq::decode(rm.words());
  REQUIRE(d.has_value());
  CHECK_FALSE(d->add);
  CHECK(d->vid == 4095);
  auto a = SetVlanReq::decode(SetVlanReq{.add = true, .vid = 7}.encode().words());
  REQUIRE(a.has_value());
  CHECK(a->add);
  CHECK(a->vid == 7);
}

TEST_CASE("SET_LPE carries the max frame size in word 1", "[codec][request]") {
  const Message m = SetLpeReq{.max_frame = 9018}.encode();
  CHECK(words_of(m) == W{0x00000005, 9018});
  auto d = SetLpeReq::decode(m.words());
  REQUIRE(d.has_value());
  CHECK(d->max_frame == 9018);
}

TEST_CASE("SET_MACVLAN carries the index in MSGINFO and the MAC in words 1-2",
          "[codec][request]") {
  const Message m = SetMacvlanReq{.index = 2, .mac = test::kMac}.encode();
  CHECK(words_of(m) == W{0x00020006, 0x33221102, 0x00005544});
  auto d = SetMacvlanReq::decode(m.words());
  REQUIRE(d.has_value());
  CHECK(d->index == 2);
  CHECK(d->mac == test::kMac);
}

TEST_CASE("SET_MACVLAN index 0 clears the list and needs no valid MAC", "[codec][request]") {
  const Message m = SetMacvlanReq{.index = 0, .mac = {}}.encode();
  CHECK(words_of(m) == W{0x00000006, 0, 0});
  auto d = SetMacvlanReq::decode(m.words());
  REQUIRE(d.has_value());
  CHECK(d->index == 0);
}

TEST_CASE("API_NEGOTIATE is three words: id, API enum, zero", "[codec][request]") {
  const Message m = ApiNegotiateReq{.api = Api::k13}.encode();
  CHECK(words_of(m) == W{0x00000008, 4, 0});
  for (uint32_t a = 0; a < static_cast<uint32_t>(Api::kUnknown); ++a) {
    auto d = ApiNegotiateReq::decode(ApiNegotiateReq{.api = static_cast<Api>(a)}.encode().words());
    REQUIRE(d.has_value());
    CHECK(static_cast<uint32_t>(d->api) == a);
  }
}

TEST_CASE("Argument-less requests have their fixed lengths", "[codec][request]") {
  CHECK(words_of(GetQueuesReq{}.encode()) == W{0x00000009, 0, 0, 0, 0});
  CHECK(words_of(GetRetaReq{}.encode()) == W{0x0000000A});
  CHECK(words_of(GetRssKeyReq{}.encode()) == W{0x0000000B});
  CHECK(words_of(GetLinkStateReq{}.encode()) == W{0x00000010, 0});
  CHECK(GetQueuesReq::decode(GetQueuesReq{}.encode().words()).has_value());
  CHECK(GetRetaReq::decode(GetRetaReq{}.encode().words()).has_value());
  CHECK(GetRssKeyReq::decode(GetRssKeyReq{}.encode().words()).has_value());
  CHECK(GetLinkStateReq::decode(GetLinkStateReq{}.encode().words()).has_value());
}

TEST_CASE("UPDATE_XCAST_MODE carries the mode in word 1", "[codec][request]") {
  CHECK(words_of(UpdateXcastModeReq{.mode = XcastMode::kAllMulti}.encode()) == W{0x0000000C, 2});
  for (auto mode : {XcastMode::kNone, XcastMode::kMulti, XcastMode::kAllMulti, XcastMode::kPromisc}) {
    auto d = UpdateXcastModeReq::decode(UpdateXcastModeReq{.mode = mode}.encode().words());
    REQUIRE(d.has_value());
    CHECK(d->mode == mode);
  }
}

TEST_CASE("IPSEC_ADD lays out sa_mbx_msg over 16 words", "[codec][request]") {
  IpsecAddReq r;
  r.spi = 0x78563412;
  r.dir = 1;
  r.proto = 50;
  r.family = 10;
  r.addr = {0x0100000A, 0x02, 0x03, 0x04};
  for (size_t i = 0; i < r.key.size(); ++i) r.key[i] = static_cast<uint8_t>(0xA0 + i);
  const Message m = r.encode();
  REQUIRE(m.size == 16);
  CHECK(m.size == request_words(0x0D));
  CHECK(m.w[0] == 0x0000000D);
  CHECK(m.w[1] == 0x78563412);
  CHECK(m.w[2] == (1u | 50u << 8 | 10u << 16));
  CHECK(W(m.w.begin() + 3, m.w.begin() + 7) == W{0x0100000A, 0x02, 0x03, 0x04});
  CHECK(m.w[7] == 0xA3A2A1A0);    // key bytes 0-3, byte 0 lowest
  CHECK(m.w[15] == 0xC3C2C1C0);   // key bytes 32-35
  auto d = IpsecAddReq::decode(m.words());
  REQUIRE(d.has_value());
  CHECK(d->spi == r.spi);
  CHECK(d->dir == r.dir);
  CHECK(d->proto == r.proto);
  CHECK(d->family == r.family);
  CHECK(d->addr == r.addr);
  CHECK(d->key == r.key);
}

TEST_CASE("IPSEC_DEL carries the PF SA handle in word 1", "[codec][request]") {
  const Message m = IpsecDelReq{.pf_sa = 1027}.encode();
  CHECK(words_of(m) == W{0x0000000E, 1027});
  auto d = IpsecDelReq::decode(m.words());
  REQUIRE(d.has_value());
  CHECK(d->pf_sa == 1027);
}

TEST_CASE("Every encoder's length matches request_words()", "[codec][request]") {
  CHECK(ResetReq{}.encode().size == request_words(0x01));
  CHECK(SetMacAddrReq{.mac = test::kMac}.encode().size == request_words(0x02));
  CHECK(SetMulticastReq{}.encode().size == request_words(0x03));
  CHECK(SetVlanReq{}.encode().size == request_words(0x04));
  CHECK(SetLpeReq{}.encode().size == request_words(0x05));
  CHECK(SetMacvlanReq{}.encode().size == request_words(0x06));
  CHECK(ApiNegotiateReq{}.encode().size == request_words(0x08));
  CHECK(GetQueuesReq{}.encode().size == request_words(0x09));
  CHECK(GetRetaReq{}.encode().size == request_words(0x0A));
  CHECK(GetRssKeyReq{}.encode().size == request_words(0x0B));
  CHECK(UpdateXcastModeReq{}.encode().size == request_words(0x0C));
  CHECK(IpsecAddReq{}.encode().size == request_words(0x0D));
  CHECK(IpsecDelReq{}.encode().size == request_words(0x0E));
  CHECK(GetLinkStateReq{}.encode().size == request_words(0x10));
  CHECK(PfControlMsg{}.encode().size == request_words(0x0100));
}

TEST_CASE("request_words() is 0 for ids the codec does not know", "[codec][request]") {
  CHECK(request_words(0x07) == 0);
  CHECK(request_words(0x0F) == 0);
  CHECK(request_words(0xFFFF) == 0);
}

TEST_CASE("put_mac and get_mac ignore a buffer too short for a MAC", "[codec][request]") {
  std::array<uint32_t, 2> w{7, 9};
  put_mac(w, 1, test::kMac);
  CHECK(w == std::array<uint32_t, 2>{7, 9});
  CHECK(get_mac(w, 1).is_zero());
  put_mac(w, 0, test::kMac);
  CHECK(get_mac(w, 0) == test::kMac);
}
