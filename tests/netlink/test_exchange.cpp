// exchange() and the link operations over a scripted peer: sequence numbers, ACKs, refusals
// with their text, multi-datagram dumps, and the fallbacks for dumps that do not fit.

#include <catch2/catch.hpp>
#include <cerrno>

#include "fake_transport.hpp"
#include "netlink/ack.hpp"
#include "netlink/exchange.hpp"
#include "netlink/getlink_request.hpp"
#include "netlink/link_ops.hpp"
#include "netlink/newlink_build.hpp"
#include "netlink/newlink_parse.hpp"
#include "netlink/setlink_parse.hpp"
#include "nl_view.hpp"
#include "sample_links.hpp"

using namespace rtnl;
using nltest::datagram;
using nltest::Datagram;
using nltest::FakeTransport;

namespace {

Message newlink(const LinkInfo& l, const nlmsghdr& req, uint16_t flags = 0) {
  auto m = build_newlink(
      l, NewlinkOptions{
             .seq = req.nlmsg_seq, .port = 0, .flags = flags, .ext_filter_mask = RTEXT_FILTER_VF});
  REQUIRE(m.has_value());
  return std::move(*m);
}

Message ack(const nlmsghdr& req, int error = 0, std::string_view text = {}) {
  auto m = build_ack(req, error, text);
  REQUIRE(m.has_value());
  return std::move(*m);
}

Message done(const nlmsghdr& req, int error = 0) {
  auto m = build_done(req, error);
  REQUIRE(m.has_value());
  return std::move(*m);
}

uint32_t ext_mask_of(const std::vector<std::byte>& request) {
  const auto* h = reinterpret_cast<const nlmsghdr*>(request.data());
  std::vector<nlattr*> tb(IFLA_MAX + 1, nullptr);
  REQUIRE(nlmsg_parse(const_cast<nlmsghdr*>(h), sizeof(ifinfomsg), tb.data(), IFLA_MAX, nullptr) ==
          0);
  REQUIRE(tb[IFLA_EXT_MASK] != nullptr);
  return nla_get_u32(tb[IFLA_EXT_MASK]);
}

}  // namespace

TEST_CASE("exchange skips replies of an earlier sequence number and ends at the ACK",
          "[netlink][exchange]") {
  const LinkInfo pf = nltest::sample_pf("pf0", 3, 2);
  FakeTransport t([&](const nlmsghdr& req) {
    nlmsghdr stale = req;
    stale.nlmsg_seq = req.nlmsg_seq - 1;
    Message old_reply = newlink(nltest::sample_pf("old0", 9, 1), stale);
    Message old_ack = ack(stale, -EBUSY);
    Message reply = newlink(pf, req);
    Message fin = ack(req);
    return std::vector<Datagram>{datagram({&old_reply, &old_ack}), datagram({&reply}),
                                 datagram({&fin})};
  });
  auto req = build_getlink(std::string("pf0"));
  REQUIRE(req.has_value());
  auto replies = exchange(t, *req);
  REQUIRE(replies.has_value());
  REQUIRE(replies->messages.size() == 1);
  CHECK(replies->messages[0].header()->nlmsg_seq == req->header()->nlmsg_seq);
  CHECK(parse_link(replies->messages[0].header())->name == "pf0");
}

TEST_CASE("Each exchange stamps a new sequence number", "[netlink][exchange]") {
  FakeTransport t([&](const nlmsghdr& req) {
    Message fin = ack(req);
    return std::vector<Datagram>{datagram({&fin})};
  });
  VfChange c;
  c.vf = VfIndex(0);
  c.trust = true;
  REQUIRE(set_vf(t, std::string("pf0"), std::span(&c, 1)).has_value());
  REQUIRE(set_vf(t, std::string("pf0"), std::span(&c, 1)).has_value());
  REQUIRE(t.requests.size() == 2);
  const auto seq = [](const std::vector<std::byte>& r) {
    return reinterpret_cast<const nlmsghdr*>(r.data())->nlmsg_seq;
  };
  CHECK(seq(t.requests[1]) == seq(t.requests[0]) + 1);
}

TEST_CASE("A refusal comes back with the peer's errno and its extended-ACK text",
          "[netlink][exchange]") {
  FakeTransport t([&](const nlmsghdr& req) {
    Message no = ack(req, -EINVAL, "VF 70 does not exist");
    return std::vector<Datagram>{datagram({&no})};
  });
  VfChange c;
  c.vf = VfIndex(70);
  c.spoofchk = false;
  auto r = set_vf(t, std::string("pf0"), std::span(&c, 1));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kRefused);
  CHECK(r.error().errnum == EINVAL);
  CHECK(r.error().peer_message == "VF 70 does not exist");
  const std::string text = r.error().to_string();
  CHECK_THAT(text, Catch::StartsWith("RTM_SETLINK dev pf0: refused by the daemon: EINVAL"));
  CHECK_THAT(text, Catch::EndsWith(": VF 70 does not exist"));

  // The request that went out is what the peer decodes.
  REQUIRE(t.requests.size() == 1);
  auto sent = parse_setlink_vf(reinterpret_cast<const nlmsghdr*>(t.requests[0].data()));
  REQUIRE(sent.has_value());
  CHECK(sent->changes == std::vector<VfChange>{c});
}

TEST_CASE("A dump collects three 63-VF PFs over several datagrams until NLMSG_DONE",
          "[netlink][exchange]") {
  const std::vector<LinkInfo> pfs = {nltest::sample_pf("pf0", 2, 63),
                                     nltest::sample_pf("pf1", 3, 63),
                                     nltest::sample_pf("pf2", 4, 63)};
  FakeTransport t([&](const nlmsghdr& req) {
    std::vector<Datagram> out;
    // One PF per datagram, as the kernel sends links that each fill most of 32 KiB.
    for (const LinkInfo& l : pfs) {
      Message m = newlink(l, req, NLM_F_MULTI);
      out.push_back(datagram({&m}));
    }
    Message fin = done(req);
    out.push_back(datagram({&fin}));
    return out;
  });
  auto links = dump_links(t);
  REQUIRE(links.has_value());
  REQUIRE(links->size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK((*links)[i] == pfs[i]);
    CHECK((*links)[i].vfs.size() == 63);
  }
  REQUIRE(t.requests.size() == 1);
  CHECK(ext_mask_of(t.requests[0]) == RTEXT_FILTER_VF);
}

TEST_CASE("A dump the peer cannot fit is read again link by link", "[netlink][exchange]") {
  const LinkInfo big = nltest::sample_pf("pf0", 2, 63);
  const LinkInfo lo = nltest::sample_pf("lo", 1, 0);
  int dumps = 0;
  int gets = 0;
  FakeTransport t([&](const nlmsghdr& req) {
    std::vector<Datagram> out;
    if ((req.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP) {
      ++dumps;
      if (dumps == 1) {
        Message fin = done(req, -EMSGSIZE);
        out.push_back(datagram({&fin}));
      } else {
        Message a = newlink(lo, req, NLM_F_MULTI);
        Message b = newlink(big, req, NLM_F_MULTI);
        Message fin = done(req);
        out.push_back(datagram({&a, &b, &fin}));
      }
      return out;
    }
    ++gets;
    const auto& ifm = *static_cast<const ifinfomsg*>(NLMSG_DATA(&req));
    Message reply = newlink(ifm.ifi_index == 1 ? lo : big, req);
    Message fin = ack(req);
    out.push_back(datagram({&reply, &fin}));
    return out;
  });
  auto links = dump_links(t);
  REQUIRE(links.has_value());
  CHECK(dumps == 2);
  CHECK(gets == 2);
  REQUIRE(links->size() == 2);
  CHECK((*links)[1] == big);
  // The second dump asked for names only; the single-link reads asked for VFs.
  REQUIRE(t.requests.size() == 4);
  CHECK(ext_mask_of(t.requests[1]) == 0);
  CHECK(ext_mask_of(t.requests[2]) == RTEXT_FILTER_VF);
}

TEST_CASE("An inconsistent dump is taken again, and given up after three", "[netlink][exchange]") {
  const LinkInfo pf = nltest::sample_pf("pf0", 2, 4);
  int interrupted_left = 1;
  FakeTransport t([&](const nlmsghdr& req) {
    const uint16_t intr = interrupted_left-- > 0 ? NLM_F_DUMP_INTR : 0;
    Message m = newlink(pf, req, NLM_F_MULTI | intr);
    Message fin = done(req);
    return std::vector<Datagram>{datagram({&m, &fin})};
  });
  auto links = dump_links(t);
  REQUIRE(links.has_value());
  CHECK(t.requests.size() == 2);
  CHECK(links->size() == 1);

  interrupted_left = 100;
  auto never = dump_links(t);
  REQUIRE_FALSE(never.has_value());
  CHECK(never.error().code == ErrorCode::kInterrupted);
}

TEST_CASE("set_vf completes a lone max_tx_rate from the VF's current rates",
          "[netlink][exchange]") {
  LinkInfo pf = nltest::sample_pf("pf0", 2, 4);
  pf.vfs[2].min_tx_rate = 250;
  FakeTransport t([&](const nlmsghdr& req) {
    std::vector<Datagram> out;
    if (req.nlmsg_type == RTM_GETLINK) {
      Message reply = newlink(pf, req);
      Message fin = ack(req);
      out.push_back(datagram({&reply, &fin}));
    } else {
      Message fin = ack(req);
      out.push_back(datagram({&fin}));
    }
    return out;
  });
  VfChange c;
  c.vf = VfIndex(2);
  c.max_tx_rate = 4000;
  REQUIRE(set_vf(t, std::string("pf0"), std::span(&c, 1)).has_value());
  REQUIRE(t.requests.size() == 2);
  CHECK(ext_mask_of(t.requests[0]) == (RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS));
  auto sent = parse_setlink_vf(reinterpret_cast<const nlmsghdr*>(t.requests[1].data()));
  REQUIRE(sent.has_value());
  CHECK(sent->changes[0].min_tx_rate == 250u);
  CHECK(sent->changes[0].max_tx_rate == 4000u);

  c.vf = VfIndex(9);
  auto missing = set_vf(t, std::string("pf0"), std::span(&c, 1));
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(missing.error().to_string(), Catch::Contains("no VF 9"));
}

TEST_CASE("A datagram whose message overruns it, or a short NLMSG_ERROR, is malformed",
          "[netlink][exchange]") {
  bool short_error = false;
  FakeTransport t([&](const nlmsghdr& req) {
    Message reply = newlink(nltest::sample_pf("pf0", 2, 2), req);
    Datagram d = datagram({&reply});
    if (short_error) {
      nlmsghdr e{NLMSG_HDRLEN + 4, NLMSG_ERROR, 0, req.nlmsg_seq, 0};
      d.assign(reinterpret_cast<std::byte*>(&e), reinterpret_cast<std::byte*>(&e) + sizeof(e));
      d.resize(NLMSG_HDRLEN + 4);
    } else {
      d.resize(d.size() - 16);  // the message says more than the datagram holds
    }
    return std::vector<Datagram>{d};
  });
  auto r = get_link(t, std::string("pf0"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kMalformed);
  CHECK_THAT(r.error().to_string(), Catch::Contains("remain in the datagram"));

  short_error = true;
  r = get_link(t, std::string("pf0"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kMalformed);
  CHECK_THAT(r.error().to_string(), Catch::Contains("NLMSG_ERROR of 20 bytes"));
}

TEST_CASE("An ACK without the RTM_NEWLINK asked for is a protocol error", "[netlink][exchange]") {
  FakeTransport t([&](const nlmsghdr& req) {
    Message fin = ack(req);
    return std::vector<Datagram>{datagram({&fin})};
  });
  auto r = get_link(t, IfIndex(5));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kProtocol);
  CHECK_THAT(r.error().to_string(), Catch::Contains("RTM_GETLINK ifindex 5"));
}

TEST_CASE("A silent peer is a timeout, not a hang", "[netlink][exchange]") {
  FakeTransport t([](const nlmsghdr&) { return std::vector<Datagram>{}; });
  auto r = get_link(t, std::string("pf0"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kTimeout);
}
