#pragma once
// The identifiers of rtnetlink's link API: an interface index, a VF index, and how a request
// names the link it is about.

#include <fmt/format.h>

#include <compare>
#include <cstdint>
#include <string>
#include <variant>

namespace rtnl {

/// A network interface's index (ifinfomsg.ifi_index); real interfaces have one above 0.
class IfIndex {
 public:
  constexpr explicit IfIndex(int32_t v) : v_(v) {}
  constexpr int32_t value() const { return v_; }
  constexpr auto operator<=>(const IfIndex&) const = default;

 private:
  int32_t v_;
};

/// A VF's index below its PF, as the `vf` word of every ifla_vf_* struct carries it. 32 bits
/// wide: hal::VfId's 0..63 is the 82599's limit, not rtnetlink's.
class VfIndex {
 public:
  constexpr explicit VfIndex(uint32_t v) : v_(v) {}
  constexpr uint32_t value() const { return v_; }
  constexpr auto operator<=>(const VfIndex&) const = default;

 private:
  uint32_t v_;
};

/// The link a request is about: its index or its name. A request carries exactly one of the
/// two, because the kernel reads a name next to an index in RTM_SETLINK as a rename.
using LinkRef = std::variant<IfIndex, std::string>;

/// "dev eth0" or "ifindex 4", for error messages.
std::string describe(const LinkRef& link);

}  // namespace rtnl

template <>
struct fmt::formatter<rtnl::IfIndex> : fmt::formatter<int32_t> {
  auto format(rtnl::IfIndex i, format_context& ctx) const {
    return fmt::formatter<int32_t>::format(i.value(), ctx);
  }
};
template <>
struct fmt::formatter<rtnl::VfIndex> : fmt::formatter<uint32_t> {
  auto format(rtnl::VfIndex i, format_context& ctx) const {
    return fmt::formatter<uint32_t>::format(i.value(), ctx);
  }
};
