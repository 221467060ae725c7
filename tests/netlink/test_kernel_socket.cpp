// Against the running kernel over NETLINK_ROUTE, on the loopback link only. Nothing here
// changes an interface: the one SETLINK goes to lo, which has no SR-IOV and refuses it.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <set>

#include "netlink/kernel_socket.hpp"

using namespace rtnl;

namespace {

KernelSocket open_socket() {
  auto s = KernelSocket::open();
  REQUIRE(s.has_value());
  return std::move(*s);
}

VfChange mac_change() {
  VfChange c;
  c.vf = VfIndex(0);
  c.mac = hal::MacAddr({0x02, 0x00, 0x00, 0x5e, 0x00, 0x01});
  return c;
}

}  // namespace

TEST_CASE("The kernel describes lo as ifindex 1 with no VF", "[netlink][kernel]") {
  KernelSocket s = open_socket();
  auto lo = s.get_link(std::string("lo"));
  REQUIRE(lo.has_value());
  CHECK(lo->ifindex == IfIndex(1));
  CHECK(lo->name == "lo");
  CHECK(lo->type == 772);  // ARPHRD_LOOPBACK
  CHECK(lo->mtu > 0);
  CHECK(lo->mac() == hal::MacAddr());
  // lo sits on no bus, so even with RTEXT_FILTER_VF the kernel sends no IFLA_NUM_VF.
  CHECK_FALSE(lo->num_vf.has_value());
  CHECK(lo->vfs.empty());

  auto by_index = s.get_link(IfIndex(1), GetLinkOptions{.vfs = true, .vf_stats = false});
  REQUIRE(by_index.has_value());
  CHECK(by_index->name == "lo");
}

TEST_CASE("A dump of the kernel's links includes lo and names each link once",
          "[netlink][kernel]") {
  KernelSocket s = open_socket();
  auto links = s.dump_links();
  REQUIRE(links.has_value());
  REQUIRE_FALSE(links->empty());
  int lo = 0;
  std::set<std::string> names;
  for (const LinkInfo& l : *links) {
    CHECK(l.ifindex.value() > 0);
    CHECK_FALSE(l.name.empty());
    CHECK(names.insert(l.name).second);
    if (l.name == "lo") {
      ++lo;
      CHECK(l.ifindex == IfIndex(1));
    }
  }
  CHECK(lo == 1);
}

TEST_CASE("A VF MAC for lo comes back as the kernel's own error, named", "[netlink][kernel]") {
  KernelSocket s = open_socket();
  auto before = s.get_link(std::string("lo"), GetLinkOptions{.vfs = true, .vf_stats = false});
  REQUIRE(before.has_value());

  const VfChange c = mac_change();
  auto r = s.set_vf(std::string("lo"), std::span(&c, 1));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kRefused);
  // lo has no ndo_set_vf_mac: EOPNOTSUPP; without CAP_NET_ADMIN the kernel stops earlier.
  const int expected = geteuid() == 0 ? EOPNOTSUPP : EPERM;
  CHECK(r.error().errnum == expected);
  const std::string text = r.error().to_string();
  CHECK_THAT(text, Catch::StartsWith("RTM_SETLINK dev lo: refused by the kernel"));
  CHECK_THAT(text, Catch::Contains(strerrorname_np(expected)));
  CHECK_THAT(text, Catch::Contains(std::strerror(expected)));

  auto after = s.get_link(std::string("lo"), GetLinkOptions{.vfs = true, .vf_stats = false});
  REQUIRE(after.has_value());
  CHECK(*after == *before);
}

TEST_CASE("A link that does not exist is ENODEV at once, not a hang", "[netlink][kernel]") {
  KernelSocket s = open_socket();
  const std::string name = "nxsriovkit0";
  auto r = s.get_link(name);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kRefused);
  CHECK(r.error().errnum == ENODEV);
  CHECK_THAT(r.error().to_string(), Catch::Contains("RTM_GETLINK dev nxsriovkit0"));
  CHECK_THAT(r.error().to_string(), Catch::Contains("ENODEV"));

  const VfChange c = mac_change();
  auto w = s.set_vf(name, std::span(&c, 1));
  REQUIRE_FALSE(w.has_value());
  CHECK(w.error().errnum == (geteuid() == 0 ? ENODEV : EPERM));

  // The socket is still in step after the refusals: the next request gets its own answer.
  auto lo = s.get_link(IfIndex(1));
  REQUIRE(lo.has_value());
  CHECK(lo->name == "lo");
}
