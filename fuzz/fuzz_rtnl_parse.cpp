// libFuzzer target: the rtnetlink link parsers a daemon and sriovctl run on bytes from a peer,
// rtnl::parse_setlink_vf (RTM_SETLINK, the daemon's side) and rtnl::parse_link (RTM_NEWLINK,
// what get_link() reads).
//
// Input: one netlink message, nlmsghdr first. The transports hand a parser whole messages
// only (netlink/datagram_io.hpp), so an nlmsg_len past the input is cut to the input's size;
// the message is then copied into a buffer of exactly nlmsg_len bytes (at least the header),
// so a read past the message is an ASan report. Each parser sees the message with its own
// nlmsg_type, whatever the input says, so every input reaches both.
//
// Invariants: no crash, no read outside the message, and what parses survives a round trip
// through the matching builder: parse(build(x)) == x for SETLINK requests the builder can
// express; parse(build(parse(m))) == parse(m) for NEWLINK.

#include <linux/rtnetlink.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "netlink/newlink_build.hpp"
#include "netlink/newlink_parse.hpp"
#include "netlink/setlink_parse.hpp"
#include "netlink/setlink_request.hpp"

namespace {

using fuzz::check;

/// A message in its own heap block of exactly its length (netlink's 4-byte alignment comes
/// with operator new's).
class OwnedMessage {
 public:
  OwnedMessage(const uint8_t* data, size_t len, uint16_t type)
      : len_(std::max(len, sizeof(nlmsghdr))), buf_(new uint8_t[len_]()) {
    if (len != 0) std::memcpy(buf_.get(), data, len);  // data may be null for len 0
    header()->nlmsg_type = type;
  }
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buf_.get()); }

 private:
  size_t len_;
  std::unique_ptr<uint8_t[]> buf_;
};

/// The builder refuses a change with only one of the two rates (IFLA_VF_TX_RATE's form), or
/// none at all: nothing else the parser accepts should be beyond it.
bool expressible(const rtnl::SetLinkVfRequest& r) {
  return std::all_of(r.changes.begin(), r.changes.end(), [](const rtnl::VfChange& c) {
    return !c.empty() && c.min_tx_rate.has_value() == c.max_tx_rate.has_value();
  });
}

void fuzz_setlink(const uint8_t* data, uint32_t len) {
  OwnedMessage m(data, len, RTM_SETLINK);
  auto req = rtnl::parse_setlink_vf(m.header());
  if (!req) return;
  check(!req->changes.empty(), "SETLINK parsed without a VF change");
  if (!expressible(*req)) return;
  // The parser takes an IFLA_IFNAME that starts with NUL as the name "", which the builder
  // refuses (and no link has): a lookup of "" fails later with ENODEV. Reported, not a crash.
  if (const auto* name = std::get_if<std::string>(&req->link); name && name->empty()) return;
  auto built = rtnl::build_setlink_vf(req->link, req->changes);
  check(built.has_value(), "a parsed SETLINK does not build again: {}",
        built ? std::string() : built.error().to_string());
  auto again = rtnl::parse_setlink_vf(built->header());
  check(again.has_value(), "a rebuilt SETLINK does not parse: {}",
        again ? std::string() : again.error().to_string());
  check(again->link == req->link && again->changes == req->changes,
        "SETLINK changed in a parse/build/parse round trip");
}

void fuzz_newlink(const uint8_t* data, uint32_t len) {
  OwnedMessage m(data, len, RTM_NEWLINK);
  auto link = rtnl::parse_link(m.header());
  if (!link) return;
  auto built = rtnl::build_newlink(*link);
  // The parser takes what a peer sends, the builder only what the kernel would: it refuses a
  // link without a name, for one (kInvalidArgument). Anything else is a bug.
  if (!built && built.error().code == rtnl::ErrorCode::kInvalidArgument) return;
  check(built.has_value(), "a parsed NEWLINK does not build again: {}",
        built ? std::string() : built.error().to_string());
  auto again = rtnl::parse_link(built->header());
  check(again.has_value(), "a rebuilt NEWLINK does not parse: {}",
        again ? std::string() : again.error().to_string());
  auto built2 = rtnl::build_newlink(*again);
  check(built2.has_value(), "a NEWLINK built twice fails");
  auto third = rtnl::parse_link(built2->header());
  check(third.has_value() && *third == *again, "NEWLINK not stable under build/parse");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < sizeof(nlmsghdr)) return 0;
  nlmsghdr h;
  std::memcpy(&h, data, sizeof h);
  const uint32_t len = std::min<uint32_t>(h.nlmsg_len, static_cast<uint32_t>(std::min<size_t>(size, UINT32_MAX)));
  // The bytes entry point checks nlmsg_len itself: give it the input as it came.
  (void)rtnl::parse_link(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
  std::vector<uint8_t> fixed(data, data + len);
  if (len >= sizeof(nlmsghdr)) {
    const uint32_t l = len;
    std::memcpy(fixed.data(), &l, sizeof l);  // nlmsg_len is the first field
  }
  fuzz_setlink(fixed.data(), len);
  fuzz_newlink(fixed.data(), len);
  return 0;
}
