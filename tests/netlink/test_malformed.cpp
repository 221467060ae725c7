// Malformed and truncated RTM_NEWLINKs: each a clear kMalformed, none read out of bounds (the
// ASan build runs these on exactly sized buffers).

#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "netlink/newlink_build.hpp"
#include "netlink/newlink_parse.hpp"
#include "nl_view.hpp"
#include "sample_links.hpp"

using namespace rtnl;

namespace {

// Attributes written byte by byte, so lengths can lie.
struct AttrBuf {
  std::vector<uint8_t> b;

  void put(uint16_t type, const void* data, size_t len, int claimed_len = -1) {
    const nlattr h{static_cast<uint16_t>(claimed_len >= 0 ? claimed_len : NLA_HDRLEN + len), type};
    const auto* p = reinterpret_cast<const uint8_t*>(&h);
    b.insert(b.end(), p, p + sizeof(h));
    const auto* d = static_cast<const uint8_t*>(data);
    b.insert(b.end(), d, d + len);
    b.resize(NLA_ALIGN(b.size()), 0);
  }
  template <typename T>
  void put(uint16_t type, const T& v) {
    put(type, &v, sizeof(v));
  }
  void nest(uint16_t type, const AttrBuf& inner) { put(type, inner.b.data(), inner.b.size()); }
};

AttrBuf vf_info_attrs(uint32_t vf) {
  AttrBuf a;
  ifla_vf_mac mac{};
  mac.vf = vf;
  mac.mac[0] = 0x02;
  a.put(IFLA_VF_MAC, mac);
  a.put(IFLA_VF_TRUST, ifla_vf_trust{vf, 1});
  return a;
}

// An RTM_NEWLINK for "pf0" whose IFLA_VFINFO_LIST payload is `list` as given.
Message newlink_with_list(const AttrBuf& list) {
  auto m = Message::create(RTM_NEWLINK, 0, sizeof(ifinfomsg), 8192);
  REQUIRE(m.has_value());
  static_cast<ifinfomsg*>(m->payload())->ifi_index = 3;
  REQUIRE(nla_put_string(m->get(), IFLA_IFNAME, "pf0") == 0);
  REQUIRE(nla_put_u32(m->get(), IFLA_NUM_VF, 2) == 0);
  REQUIRE(nla_put(m->get(), IFLA_VFINFO_LIST, static_cast<int>(list.b.size()), list.b.data()) == 0);
  return std::move(*m);
}

Message newlink_with_vf(const AttrBuf& vf_attrs) {
  AttrBuf list;
  list.nest(IFLA_VF_INFO, vf_attrs);
  return newlink_with_list(list);
}

std::string malformed_text(const Message& m) {
  auto r = parse_link(m.header());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kMalformed);
  return r.error().to_string();
}

std::vector<std::byte> bytes_of(const Message& m) { return {m.bytes().begin(), m.bytes().end()}; }

void set_len(std::vector<std::byte>& bytes, uint32_t len) {
  std::memcpy(bytes.data(), &len, sizeof(len));  // nlmsg_len is the header's first word
}

}  // namespace

TEST_CASE("Two well-formed VF nests written byte by byte decode", "[netlink][malformed]") {
  AttrBuf list;
  list.nest(IFLA_VF_INFO, vf_info_attrs(0));
  list.nest(IFLA_VF_INFO, vf_info_attrs(1));
  auto r = parse_link(newlink_with_list(list).header());
  REQUIRE(r.has_value());
  REQUIRE(r->vfs.size() == 2);
  CHECK(r->vfs[1].vf == VfIndex(1));
  CHECK(r->vfs[1].trust == true);
}

TEST_CASE("A VF list claiming more bytes than its message holds is malformed",
          "[netlink][malformed]") {
  auto m = build_newlink(nltest::sample_pf("pf0", 3, 4));
  REQUIRE(m.has_value());
  std::vector<nlattr*> tb(IFLA_MAX + 1, nullptr);
  REQUIRE(nlmsg_parse(m->header(), sizeof(ifinfomsg), tb.data(), IFLA_MAX, nullptr) == 0);
  tb[IFLA_VFINFO_LIST]->nla_len += 64;
  const std::string text = malformed_text(*m);
  CHECK_THAT(text, Catch::Contains("truncated"));
  CHECK_THAT(text, Catch::Contains("RTM_NEWLINK ifindex 3"));
}

TEST_CASE("A message cut anywhere inside its VF list is malformed, never a shorter list",
          "[netlink][malformed]") {
  auto m = build_newlink(nltest::sample_pf("pf0", 3, 4));
  REQUIRE(m.has_value());
  const std::vector<std::byte> full = bytes_of(*m);
  std::vector<nlattr*> tb(IFLA_MAX + 1, nullptr);
  REQUIRE(nlmsg_parse(m->header(), sizeof(ifinfomsg), tb.data(), IFLA_MAX, nullptr) == 0);
  const size_t list_at = static_cast<size_t>(
      reinterpret_cast<const std::byte*>(tb[IFLA_VFINFO_LIST]) - m->bytes().data());
  REQUIRE(list_at > NLMSG_SPACE(sizeof(ifinfomsg)));

  size_t refused = 0;
  for (size_t len = NLMSG_SPACE(sizeof(ifinfomsg)); len < full.size(); ++len) {
    // Exactly `len` bytes: any read past them is a heap overflow under ASan.
    std::vector<std::byte> cut(full.begin(), full.begin() + static_cast<long>(len));
    set_len(cut, static_cast<uint32_t>(len));
    auto r = parse_link(std::span<const std::byte>(cut));
    if (len > list_at) {
      INFO("cut at " << len);
      REQUIRE_FALSE(r.has_value());
    }
    if (!r) {
      CHECK(r.error().code == ErrorCode::kMalformed);
      ++refused;
    } else {
      CHECK(r->vfs.empty());
    }
  }
  CHECK(refused >= full.size() - list_at - 1);
}

TEST_CASE("Bytes shorter than the nlmsg_len they carry are refused before parsing",
          "[netlink][malformed]") {
  auto m = build_newlink(nltest::sample_pf("pf0", 3, 2));
  REQUIRE(m.has_value());
  std::vector<std::byte> bytes = bytes_of(*m);
  bytes.resize(bytes.size() - 40);
  auto r = parse_link(std::span<const std::byte>(bytes));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kMalformed);
  CHECK_THAT(r.error().to_string(), Catch::Contains("truncated"));

  const std::vector<std::byte> tiny(8);
  CHECK(parse_link(std::span<const std::byte>(tiny)).error().code == ErrorCode::kMalformed);
}

TEST_CASE("An IFLA_VF_MAC shorter than struct ifla_vf_mac is malformed", "[netlink][malformed]") {
  AttrBuf vf;
  const uint8_t short_mac[20] = {1, 0, 0, 0, 0x02};
  vf.put(IFLA_VF_MAC, short_mac, sizeof(short_mac));
  const std::string text = malformed_text(newlink_with_vf(vf));
  CHECK_THAT(text, Catch::Contains("IFLA_VF_MAC"));
  CHECK_THAT(text, Catch::Contains("20 byte(s), needs 36"));
}

TEST_CASE("Attribute lengths below the header, overruns and stray bytes are malformed",
          "[netlink][malformed]") {
  SECTION("a length below the 4-byte header") {
    AttrBuf vf = vf_info_attrs(0);
    vf.put(IFLA_VF_SPOOFCHK, nullptr, 0, 2);
    CHECK_THAT(malformed_text(newlink_with_vf(vf)), Catch::Contains("below its 4-byte header"));
  }
  SECTION("an attribute overrunning its nest") {
    AttrBuf vf = vf_info_attrs(0);
    const ifla_vf_spoofchk s{0, 1};
    vf.put(IFLA_VF_SPOOFCHK, &s, sizeof(s), NLA_HDRLEN + sizeof(s) + 8);
    CHECK_THAT(malformed_text(newlink_with_vf(vf)), Catch::Contains("truncated"));
  }
  SECTION("stray bytes after the last attribute") {
    AttrBuf list;
    list.nest(IFLA_VF_INFO, vf_info_attrs(0));
    list.b.insert(list.b.end(), {0xde, 0xad});
    CHECK_THAT(malformed_text(newlink_with_list(list)), Catch::Contains("2 stray byte(s)"));
  }
  SECTION("a short IFLA_MTU") {
    auto m = Message::create(RTM_NEWLINK, 0, sizeof(ifinfomsg), 256);
    REQUIRE(m.has_value());
    const uint16_t mtu = 1500;
    REQUIRE(nla_put(m->get(), IFLA_MTU, sizeof(mtu), &mtu) == 0);
    CHECK_THAT(malformed_text(*m), Catch::Contains("IFLA_MTU: 2 byte(s), needs 4"));
  }
  SECTION("an IFLA_IFNAME without its NUL") {
    auto m = Message::create(RTM_NEWLINK, 0, sizeof(ifinfomsg), 256);
    REQUIRE(m.has_value());
    REQUIRE(nla_put(m->get(), IFLA_IFNAME, 4, "eth0") == 0);
    CHECK_THAT(malformed_text(*m), Catch::Contains("NUL"));
  }
  SECTION("a stats counter of 4 bytes") {
    AttrBuf vf = vf_info_attrs(0);
    AttrBuf stats;
    const uint32_t small = 5;
    stats.put(IFLA_VF_STATS_TX_BYTES, small);
    vf.nest(IFLA_VF_STATS, stats);
    CHECK_THAT(malformed_text(newlink_with_vf(vf)),
               Catch::Contains("IFLA_VF_STATS_TX_BYTES: 4 byte(s), needs 8"));
  }
}

TEST_CASE("VF nests that break the kernel's layout are malformed", "[netlink][malformed]") {
  SECTION("no IFLA_VF_MAC to name the VF") {
    AttrBuf vf;
    vf.put(IFLA_VF_TRUST, ifla_vf_trust{0, 1});
    CHECK_THAT(malformed_text(newlink_with_vf(vf)), Catch::Contains("IFLA_VF_MAC: missing"));
  }
  SECTION("structs naming different VFs") {
    AttrBuf vf = vf_info_attrs(1);
    vf.put(IFLA_VF_SPOOFCHK, ifla_vf_spoofchk{2, 1});
    CHECK_THAT(malformed_text(newlink_with_vf(vf)), Catch::Contains("names VF 2 inside VF 1"));
  }
  SECTION("something other than IFLA_VF_INFO in the list") {
    AttrBuf list;
    list.nest(IFLA_VF_INFO, vf_info_attrs(0));
    list.put(IFLA_VF_INFO + 1, uint32_t{0});
    CHECK_THAT(malformed_text(newlink_with_list(list)), Catch::Contains("only IFLA_VF_INFO"));
  }
  SECTION("a VLAN id above 4095") {
    AttrBuf vf = vf_info_attrs(0);
    AttrBuf vlans;
    vlans.put(IFLA_VF_VLAN_INFO, ifla_vf_vlan_info{0, 5000, 0, htons(0x8100)});
    vf.nest(IFLA_VF_VLAN_LIST, vlans);
    CHECK_THAT(malformed_text(newlink_with_vf(vf)), Catch::Contains("VLAN 5000"));
  }
}

TEST_CASE("Messages of another type or too short for ifinfomsg are malformed",
          "[netlink][malformed]") {
  auto other = Message::create(RTM_NEWADDR, 0, sizeof(ifinfomsg), 64);
  REQUIRE(other.has_value());
  CHECK_THAT(malformed_text(*other), Catch::Contains("not RTM_NEWLINK"));
  auto tiny = Message::create(RTM_NEWLINK, 0, 4, 64);
  REQUIRE(tiny.has_value());
  CHECK_THAT(malformed_text(*tiny), Catch::Contains("below its"));
}

TEST_CASE("Random corruption of a PF's RTM_NEWLINK decodes or is malformed, nothing else",
          "[netlink][malformed]") {
  auto m = build_newlink(nltest::sample_pf("pf0", 3, 4));
  REQUIRE(m.has_value());
  const std::vector<std::byte> full = bytes_of(*m);
  std::mt19937 rng(20240605);
  std::uniform_int_distribution<size_t> at(0, full.size() - 1);
  std::uniform_int_distribution<int> value(0, 255);
  size_t decoded = 0;
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::byte> bytes = full;
    for (int flips = 1 + round % 4; flips > 0; --flips) {
      bytes[at(rng)] = static_cast<std::byte>(value(rng));
    }
    auto r = parse_link(std::span<const std::byte>(bytes));
    if (r) {
      ++decoded;
      CHECK(r->vfs.size() <= 4);
    } else {
      CHECK(r.error().code == ErrorCode::kMalformed);
    }
  }
  // Most flips land in values (MACs, counters) and still decode; some break the layout.
  CHECK(decoded > 0);
  CHECK(decoded < 3000);
}
