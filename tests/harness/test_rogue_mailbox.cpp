// A rogue guest on the mailbox (issue 5, docs/reliability.md): random and malformed messages,
// requests before its reset, reply bits, promiscuity without trust, a MAC change under an
// administrator's MAC, filter exhaustion. Each: the host and the other VFs as they were, the
// other guests still working, the accounting invariant intact.
#include <array>

#include "harness/rogue/message_fuzz.hpp"
#include "mailbox/codec.hpp"
#include "test_rogue_rig.hpp"

using namespace roguetest;
using harness::rogue::Malice;
using harness::rogue::MessageFuzzer;
using harness::rogue::RogueVf;
using mbx::MsgId;
using pf::EventCode;
namespace w0 = mbx::word0;

namespace {

/// Three guests (VFs 0, 1, 3) with a MAC, VLANs and multicast of their own; VF 2 is the rogue's.
void configure_guests(RogueRig& r) {
  for (unsigned v : {0u, 1u, 3u}) {
    harness::Guest& g = r.add_guest(v);
    REQUIRE(g.driver().set_mac(mac(1, static_cast<uint8_t>(v))).has_value());
    REQUIRE(g.driver().add_vlan(static_cast<uint16_t>(100 + v)).has_value());
    const std::array mc = {hal::MacAddr({0x01, 0x00, 0x5e, 0x00, 0x00, static_cast<uint8_t>(v)})};
    REQUIRE(g.driver().set_multicast(mc).has_value());
  }
}

/// The rogue posts `words`, the PF runs one pass; the PF's answer, if it gave one.
std::optional<harness::rogue::MailboxWords> exchange(RogueRig& r, RogueVf& rogue,
                                                     std::span<const uint32_t> words) {
  rogue.post(words);
  r.tick();
  return rogue.take_message();
}

/// A proper VF_RESET and API_NEGOTIATE(1.3) done the rogue's way.
void rogue_ready(RogueRig& r, RogueVf& rogue) {
  const uint32_t reset[] = {static_cast<uint32_t>(MsgId::kReset)};
  auto m = exchange(r, rogue, reset);
  REQUIRE(m.has_value());
  REQUIRE(w0::id((*m)[0]) == static_cast<uint16_t>(MsgId::kReset));
  const mbx::Message neg = mbx::ApiNegotiateReq{.api = mbx::Api::k13}.encode();
  m = exchange(r, rogue, neg.words());
  REQUIRE(m.has_value());
  REQUIRE((*m)[0] == (static_cast<uint32_t>(MsgId::kApiNegotiate) | w0::kAck | w0::kCts));
}

/// Every guest still does a round trip and has its link.
void guests_still_work(RogueRig& r) {
  for (const auto& [v, g] : r.guests()) {
    INFO("guest " << v);
    CHECK(g->is_up());
    CHECK(g->driver().set_mac(mac(2, static_cast<uint8_t>(v))).has_value());
    CHECK(g->driver().set_mac(mac(1, static_cast<uint8_t>(v))).has_value());
  }
}

bool is_reply_to(uint32_t reply, uint32_t request) {
  return w0::id(reply) == w0::id(request) && (reply & w0::kReplyMask) != 0;
}

}  // namespace

TEST_CASE(
    "random and malformed messages from a rogue VF are NACKed or ignored, nothing else "
    "changes",
    "[harness][rogue][mailbox]") {
  RogueRig r(4);
  configure_guests(r);
  RogueVf rogue(r.function(kRogue));
  const Snapshot before = snapshot(r, kRogue);
  MessageFuzzer fuzz(GENERATE(1u, 2u, 3u));

  SECTION("before its VF_RESET: a 1-word NACK without CTS, or nothing for reply bits") {
    const Snapshot own = own_snapshot(r, kRogue);
    for (int i = 0; i < 500; ++i) {
      const auto req = fuzz.next();
      INFO("message " << i << " " << harness::rogue::to_string(req.kind) << " w0 " << std::hex
                      << req.w[0]);
      const bool cts = r.pf.vf_info(hal::VfId(kRogue)).clear_to_send;
      const auto reply = exchange(r, rogue, req.words());
      r.clock.advance(2ms);  // 500 a second: within the rate, the handlers do run
      if ((req.w[0] & w0::kReplyMask) != 0) {
        // Not answered. What may come is the PF's bare NACK to the rogue's ack of the last
        // reply: a VF that is not clear to send should not be reading either.
        if (reply) CHECK((*reply)[0] == w0::kNack);
        continue;
      }
      REQUIRE(reply.has_value());
      CHECK(is_reply_to((*reply)[0], req.w[0]));
      // (A generated word that happens to be a real VF_RESET admits the rogue: skip those.)
      if (cts || req.w[0] == static_cast<uint32_t>(MsgId::kReset)) continue;
      CHECK((*reply)[0] == ((req.w[0] & (w0::kIdMask | w0::kMsgInfoMask)) | w0::kNack));
      // NACKed: its own pool is as it was too.
      const std::string own_d = diff(own, own_snapshot(r, kRogue));
      INFO(own_d);
      CHECK(own_d.empty());
    }
  }
  SECTION("after its VF_RESET: every request answered, no other VF or pool touched") {
    rogue_ready(r, rogue);
    unsigned answered = 0, ignored = 0, acked = 0, nacked_checked = 0;
    Snapshot own = own_snapshot(r, kRogue);
    for (int i = 0; i < 3000; ++i) {
      const auto req = fuzz.next();
      INFO("message " << i << " " << harness::rogue::to_string(req.kind) << " w0 " << std::hex
                      << req.w[0]);
      const auto reply = exchange(r, rogue, req.words());
      r.clock.advance(2ms);
      if ((req.w[0] & w0::kReplyMask) != 0) {
        CHECK_FALSE(reply.has_value());
        ++ignored;
        const std::string own_d = diff(own, own_snapshot(r, kRogue));
        INFO(own_d);
        CHECK(own_d.empty());
        continue;
      }
      REQUIRE(reply.has_value());
      CHECK(is_reply_to((*reply)[0], req.w[0]));
      ++answered;
      acked += ((*reply)[0] & w0::kAck) != 0;
      // A NACK changed nothing of its own either (a VF_RESET's NACK only says "no MAC").
      const bool reset = w0::id(req.w[0]) == static_cast<uint16_t>(MsgId::kReset);
      if (((*reply)[0] & w0::kNack) != 0 && !reset) {
        Snapshot was = own, now = own_snapshot(r, kRogue);
        if (w0::id(req.w[0]) == static_cast<uint16_t>(MsgId::kSetLpe)) {
          // The one refusal that may act, by design (spec 7, as Linux): a jumbo mismatch
          // disables the VF's own receive, so it cannot be handed frames its buffers miss.
          was.values.erase("own VFRE");
          now.values.erase("own VFRE");
        }
        const std::string own_d = diff(was, now);
        INFO(own_d);
        CHECK(own_d.empty());
        ++nacked_checked;
      }
      own = own_snapshot(r, kRogue);
    }
    CHECK(answered + ignored == 3000);
    CHECK(acked > 0);  // the fuzzer's well-formed requests do get through
    CHECK(nacked_checked > 0);
    CHECK(r.pf.vf_info(hal::VfId(kRogue)).counters.ignored == ignored);
  }
  const std::string d = diff(before, snapshot(r, kRogue));
  INFO(d);
  CHECK(d.empty());
  // Within its rate, nothing was limited; events about it stayed within its budget.
  CHECK(r.pf.events().count(EventCode::kMailboxRateLimited) == 0);
  CHECK(r.pf.events().count(EventCode::kMailboxFloodDisabled) == 0);
  guests_still_work(r);
  CHECK(r.dev->accounting().check().empty());
}

TEST_CASE("an untrusted rogue asking for promiscuous or all-multicast gets MULTI",
          "[harness][rogue][mailbox]") {
  RogueRig r(4);
  configure_guests(r);
  RogueVf rogue(r.function(kRogue));
  rogue_ready(r, rogue);
  const Snapshot before = snapshot(r, kRogue);
  namespace reg = hal::ixgbe::pf;
  for (mbx::XcastMode mode : {mbx::XcastMode::kPromisc, mbx::XcastMode::kAllMulti}) {
    const mbx::Message req = mbx::UpdateXcastModeReq{.mode = mode}.encode();
    const auto reply = exchange(r, rogue, req.words());
    REQUIRE(reply.has_value());
    CHECK((*reply)[0] == (static_cast<uint32_t>(MsgId::kUpdateXcastMode) | w0::kAck | w0::kCts));
    CHECK((*reply)[1] == static_cast<uint32_t>(mbx::XcastMode::kMulti));
    CHECK((r.dev->pf().bar0().read(reg::VMOLR(kRogue)) & (reg::vmolr::kMpe | reg::vmolr::kUpe)) ==
          0);
  }
  CHECK(r.pf.events().count(EventCode::kXcastDowngraded, hal::VfId(kRogue)) == 2);
  const std::string d = diff(before, snapshot(r, kRogue));
  INFO(d);
  CHECK(d.empty());
  guests_still_work(r);
}

TEST_CASE("a rogue under an administrator's MAC cannot change it, nor add MAC filters",
          "[harness][rogue][mailbox]") {
  RogueRig r(4);
  configure_guests(r);
  REQUIRE(r.pf.set_vf_mac(hal::VfId(kRogue), mac(9, 9)).has_value());
  RogueVf rogue(r.function(kRogue));
  rogue_ready(r, rogue);
  const Snapshot before = snapshot(r, kRogue);
  const Snapshot own = own_snapshot(r, kRogue);
  // Its own new MAC, then another guest's MAC (a takeover), then a macvlan.
  for (const hal::MacAddr m : {mac(9, 10), mac(1, 0)}) {
    const mbx::Message req = mbx::SetMacAddrReq{.mac = m}.encode();
    const auto reply = exchange(r, rogue, req.words());
    REQUIRE(reply.has_value());
    CHECK((*reply)[0] == (static_cast<uint32_t>(MsgId::kSetMacAddr) | w0::kNack | w0::kCts));
  }
  const mbx::Message mv = mbx::SetMacvlanReq{.index = 1, .mac = mac(9, 11)}.encode();
  const auto reply = exchange(r, rogue, mv.words());
  REQUIRE(reply.has_value());
  CHECK(((*reply)[0] & w0::kNack) != 0);
  CHECK(r.pf.vf_info(hal::VfId(kRogue)).mac == mac(9, 9));
  CHECK(r.pf.events().count(EventCode::kRequestRefused, hal::VfId(kRogue)) == 3);
  const std::string own_d = diff(own, own_snapshot(r, kRogue));
  INFO(own_d);
  CHECK(own_d.empty());
  const std::string d = diff(before, snapshot(r, kRogue));
  INFO(d);
  CHECK(d.empty());
  guests_still_work(r);
}

TEST_CASE("a rogue taking every spare RAR entry with SET_MACVLAN: others keep their MACs",
          "[harness][rogue][mailbox]") {
  // Linux behaves the same: the spare entries are one pool shared by all VFs, first come first
  // served. What a rogue cannot take is another function's own MAC filter.
  RogueRig r(4);
  configure_guests(r);
  RogueVf rogue(r.function(kRogue));
  rogue_ready(r, rogue);
  const Snapshot before = snapshot(r, kRogue);
  unsigned free_rars = 0;
  // The spare entries: all but RAR 0 (the PF's), the ones kept for host MACs
  // (PfOptions::host_mac_entries) and each VF's primary entry (127 - vf), even the rogue's own
  // unused one.
  for (unsigned i = 1 + pf_options().host_mac_entries; i < hal::ixgbe::pf::kNumRar - r.pf.num_vfs(); ++i) {
    free_rars += (r.dev->pf().bar0().read(hal::ixgbe::pf::RAH(i)) & hal::ixgbe::pf::rah::kAv) == 0;
  }
  unsigned taken = 0;
  for (unsigned index = 1; index < 256; ++index) {
    const mbx::Message req = mbx::SetMacvlanReq{.index = static_cast<uint8_t>(index),
                                                .mac = mac(8, static_cast<uint8_t>(index))}
                                 .encode();
    const auto reply = exchange(r, rogue, req.words());
    r.clock.advance(2ms);
    REQUIRE(reply.has_value());
    if (((*reply)[0] & w0::kAck) == 0) break;
    ++taken;
  }
  CHECK(taken == free_rars);  // every spare entry, and nothing more
  CHECK(free_rars >= 100);
  CHECK(r.pf.vf_info(hal::VfId(kRogue)).num_macvlans == taken);
  const std::string d = diff(before, snapshot(r, kRogue));
  INFO(d);
  CHECK(d.empty());
  guests_still_work(r);
  // Its VF_RESET (or FLR) gives them all back.
  const uint32_t reset[] = {static_cast<uint32_t>(MsgId::kReset)};
  REQUIRE(exchange(r, rogue, reset).has_value());
  CHECK(r.pf.vf_info(hal::VfId(kRogue)).num_macvlans == 0);
}
