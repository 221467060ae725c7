#include "netlink/newlink_parse.hpp"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "netlink/attr_set.hpp"
#include "netlink/vf_parse.hpp"

namespace rtnl {
namespace {

Error malformed(std::string detail) { return Error{ErrorCode::kMalformed, 0, std::move(detail)}; }

std::expected<void, Error> parse_basics(const AttrSet& set, LinkInfo& link) {
  if (const nlattr* a = set.get(IFLA_IFNAME)) {
    auto name = set.read_string(a, "IFLA_IFNAME", IFNAMSIZ - 1);
    if (!name) return std::unexpected(name.error());
    link.name = std::move(*name);
  }
  if (const nlattr* a = set.get(IFLA_MTU)) {
    auto mtu = set.read<uint32_t>(a, "IFLA_MTU");
    if (!mtu) return std::unexpected(mtu.error());
    link.mtu = *mtu;
  }
  if (const nlattr* a = set.get(IFLA_OPERSTATE)) {
    auto state = set.read<uint8_t>(a, "IFLA_OPERSTATE");
    if (!state) return std::unexpected(state.error());
    link.oper_state = static_cast<OperState>(*state);
  }
  if (const nlattr* a = set.get(IFLA_ADDRESS)) link.address = set.read_bytes(a);
  if (const nlattr* a = set.get(IFLA_NUM_VF)) {
    auto n = set.read<uint32_t>(a, "IFLA_NUM_VF");
    if (!n) return std::unexpected(n.error());
    link.num_vf = *n;
  }
  return {};
}

std::expected<void, Error> parse_vf_list(const AttrSet& set, LinkInfo& link) {
  const nlattr* list = set.get(IFLA_VFINFO_LIST);
  if (list == nullptr) return {};
  auto entries = AttrSet::parse_nested(list, IFLA_VF_INFO_MAX,
                                       fmt::format("{}: IFLA_VFINFO_LIST", set.where()));
  if (!entries) return std::unexpected(entries.error());
  link.vfs.reserve(entries->in_order().size());
  for (const nlattr* a : entries->in_order()) {
    if (nla_type(a) != IFLA_VF_INFO) {
      return std::unexpected(entries->malformed(
          "", fmt::format("attribute type {} where only IFLA_VF_INFO belongs", nla_type(a))));
    }
    auto vf = parse_vf_info(a, link.vfs.size());
    if (!vf) return std::unexpected(std::move(vf.error()).within(set.where()));
    link.vfs.push_back(std::move(*vf));
  }
  return {};
}

}  // namespace

std::expected<LinkInfo, Error> parse_link(const nlmsghdr* msg) {
  if (msg->nlmsg_type != RTM_NEWLINK) {
    return std::unexpected(
        malformed(fmt::format("message type {} is not RTM_NEWLINK", msg->nlmsg_type)));
  }
  if (msg->nlmsg_len < NLMSG_SPACE(sizeof(ifinfomsg))) {
    return std::unexpected(
        malformed(fmt::format("RTM_NEWLINK of {} bytes, below its {}-byte headers", msg->nlmsg_len,
                              NLMSG_SPACE(sizeof(ifinfomsg)))));
  }
  ifinfomsg ifm;
  std::memcpy(&ifm, NLMSG_DATA(msg), sizeof(ifm));
  LinkInfo link;
  link.ifindex = IfIndex(ifm.ifi_index);
  link.type = ifm.ifi_type;
  link.flags = ifm.ifi_flags;

  const auto* head = reinterpret_cast<const nlattr*>(reinterpret_cast<const uint8_t*>(msg) +
                                                     NLMSG_SPACE(sizeof(ifinfomsg)));
  const int len = static_cast<int>(msg->nlmsg_len - NLMSG_SPACE(sizeof(ifinfomsg)));
  auto set =
      AttrSet::parse(head, len, IFLA_MAX, fmt::format("RTM_NEWLINK ifindex {}", link.ifindex));
  if (!set) return std::unexpected(set.error());
  if (auto ok = parse_basics(*set, link); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_vf_list(*set, link); !ok) return std::unexpected(ok.error());
  return link;
}

std::expected<LinkInfo, Error> parse_link(std::span<const std::byte> bytes) {
  if (bytes.size() < NLMSG_HDRLEN) {
    return std::unexpected(malformed(
        fmt::format("{} bytes, below a netlink header's {}", bytes.size(), NLMSG_HDRLEN)));
  }
  nlmsghdr hdr;
  std::memcpy(&hdr, bytes.data(), sizeof(hdr));
  if (hdr.nlmsg_len < NLMSG_HDRLEN || hdr.nlmsg_len > bytes.size()) {
    return std::unexpected(malformed(fmt::format(
        "nlmsg_len {} outside the {} bytes received (truncated)", hdr.nlmsg_len, bytes.size())));
  }
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(nlmsghdr) == 0) {
    return parse_link(reinterpret_cast<const nlmsghdr*>(bytes.data()));
  }
  // Bytes from an arbitrary offset: netlink structs must be read 4-aligned.
  std::vector<uint32_t> aligned((hdr.nlmsg_len + 3) / 4);
  std::memcpy(aligned.data(), bytes.data(), hdr.nlmsg_len);
  return parse_link(reinterpret_cast<const nlmsghdr*>(aligned.data()));
}

}  // namespace rtnl
