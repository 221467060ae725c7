// Replies (PF -> VF): word 0 composition, exact layouts and round trips.

#include <catch2/catch.hpp>

#include "mailbox/codec.hpp"
#include "tests/mailbox/codec_test_util.hpp"

using namespace mbx;
using mbx::test::words_of;
using W = std::vector<uint32_t>;

TEST_CASE("reply_word0 echoes id and MSGINFO and sets ACK or NACK, and CTS when given",
          "[codec][reply]") {
  CHECK(reply_word0(0x00030003, true, true) == 0xA0030003);
  CHECK(reply_word0(0x00030003, false, true) == 0x60030003);
  CHECK(reply_word0(0x00010004, true, false) == 0x80010004);
  CHECK(reply_word0(0x00000002, false, false) == 0x40000002);
  // Reply bits already in the request are not carried over.
  CHECK(reply_word0(0xE0000002, false, false) == 0x40000002);
}

TEST_CASE("VF_RESET reply is four words without CTS", "[codec][reply]") {
  const Message ack = ResetReply{.ack = true, .mac = test::kMac, .mc_filter_type = 0}.encode();
  CHECK(words_of(ack) == W{0x80000001, 0x33221102, 0x00005544, 0});
  CHECK_FALSE(ack.has_cts());
  CHECK(ack.size == reply_words(0x01));
  const Message nack = ResetReply{.ack = false, .mac = {}, .mc_filter_type = 3}.encode();
  CHECK(words_of(nack) == W{0x40000001, 0, 0, 3});

  auto d = ResetReply::decode(ack.words());
  REQUIRE(d.has_value());
  CHECK(d->ack);
  CHECK(d->mac == test::kMac);
  CHECK(d->mc_filter_type == 0);
  auto n = ResetReply::decode(nack.words());
  REQUIRE(n.has_value());
  CHECK_FALSE(n->ack);
  CHECK(n->mac.is_zero());
  CHECK(n->mc_filter_type == 3);
}

TEST_CASE("GET_QUEUES reply carries TX, RX, transparent VLAN and default queue",
          "[codec][reply]") {
  const GetQueuesReply r{.tx_queues = 2, .rx_queues = 4, .trans_vlan = 1, .default_queue = 6};
  const Message m = r.encode(true, true);
  CHECK(words_of(m) == W{0xA0000009, 2, 4, 1, 6});
  CHECK(m.size == reply_words(0x09));
  auto d = GetQueuesReply::decode(m.words());
  REQUIRE(d.has_value());
  CHECK(d->tx_queues == 2);
  CHECK(d->rx_queues == 4);
  CHECK(d->trans_vlan == 1);
  CHECK(d->default_queue == 6);
}

TEST_CASE("GET_RETA reply packs 128 two-bit entries, 16 per word", "[codec][reply]") {
  GetRetaReply r;
  for (unsigned i = 0; i < kRetaEntries; ++i) r.reta[i] = static_cast<uint8_t>(i % 4);
  const Message m = r.encode(true, true);
  REQUIRE(m.size == 9);
  CHECK(m.size == reply_words(0x0A));
  CHECK(m.w[0] == 0xA000000A);
  for (size_t i = 1; i < 9; ++i) CHECK(m.w[i] == 0xE4E4E4E4);  // entries 0,1,2,3 repeating
  auto d = GetRetaReply::decode(m.words());
  REQUIRE(d.has_value());
  CHECK(d->reta == r.reta);
}

TEST_CASE("GET_RETA entries keep only two bits", "[codec][reply]") {
  GetRetaReply r;
  r.reta[17] = 7;  // entry 17: word 2, bits 3:2
  const Message m = r.encode(true, true);
  CHECK(m.w[2] == 0x0000000C);
  auto d = GetRetaReply::decode(m.words());
  REQUIRE(d.has_value());
  CHECK(d->reta[17] == 3);

  std::array<uint32_t, 9> raw{};
  raw[0] = 0xA000000A;
  raw[8] = 0x80000000;  // entry 127 = 2
  auto e = GetRetaReply::decode(raw);
  REQUIRE(e.has_value());
  CHECK(e->reta[127] == 2);
  CHECK(e->reta[126] == 0);
}

TEST_CASE("GET_RSS_KEY reply carries the 40-byte key in words 1-10", "[codec][reply]") {
  GetRssKeyReply r;
  for (size_t i = 0; i < r.key.size(); ++i) r.key[i] = static_cast<uint8_t>(i);
  const Message m = r.encode(true, true);
  REQUIRE(m.size == 11);
  CHECK(m.size == reply_words(0x0B));
  CHECK(m.w[1] == 0x03020100);
  CHECK(m.w[10] == 0x27262524);
  auto d = GetRssKeyReply::decode(m.words());
  REQUIRE(d.has_value());
  CHECK(d->key == r.key);
}

TEST_CASE("Value replies are two words", "[codec][reply]") {
  const Message x = ValueReply{.id = MsgId::kUpdateXcastMode, .value = 1}.encode(true, true);
  CHECK(words_of(x) == W{0xA000000C, 1});
  for (MsgId id : {MsgId::kUpdateXcastMode, MsgId::kGetLinkState, MsgId::kIpsecAdd,
                   MsgId::kIpsecDel}) {
    const Message m = ValueReply{.id = id, .value = 0x1234}.encode(false, true);
    CHECK(m.size == reply_words(static_cast<uint16_t>(id)));
    CHECK(m.is_nack());
    auto d = ValueReply::decode(id, m.words());
    REQUIRE(d.has_value());
    CHECK(d->id == id);
    CHECK(d->value == 0x1234);
  }
}

TEST_CASE("Ping is one word with CTS only when the VF is clear to send", "[codec][reply]") {
  CHECK(words_of(PfControlMsg{.cts = true}.encode()) == W{0x20000100});
  CHECK(words_of(PfControlMsg{.cts = false}.encode()) == W{0x00000100});
  auto c = PfControlMsg::decode(PfControlMsg{.cts = true}.encode().words());
  REQUIRE(c.has_value());
  CHECK(c->cts);
  auto n = PfControlMsg::decode(PfControlMsg{.cts = false}.encode().words());
  REQUIRE(n.has_value());
  CHECK_FALSE(n->cts);
}

TEST_CASE("Plain ACK/NACK replies echo the request's length", "[codec][reply]") {
  CHECK(reply_words(0x02) == 3);  // SET_MAC_ADDR
  CHECK(reply_words(0x03) == 1);  // SET_MULTICAST (minimum)
  CHECK(reply_words(0x04) == 2);  // SET_VLAN
  CHECK(reply_words(0x05) == 2);  // SET_LPE
  CHECK(reply_words(0x06) == 3);  // SET_MACVLAN
  CHECK(reply_words(0x08) == 3);  // API_NEGOTIATE
  CHECK(reply_words(0x0100) == 1);
  CHECK(reply_words(0x07) == 1);  // unknown: word 0 | NACK
}
