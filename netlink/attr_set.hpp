#pragma once
// The attributes of one level of a message (a message's own, or a nest's), checked before any
// is read: every attribute has a whole header, a length that covers it and stays inside its
// level, and nothing but padding follows the last one. Reads check the payload is long enough
// for what is read, and copy it out, so no byte outside the level is ever touched.

#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <expected>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "netlink/error.hpp"

namespace rtnl {

class AttrSet {
 public:
  /// The attributes in the `len` bytes at `head`, indexed by type up to `max_type` (higher
  /// types, from a newer peer, are kept in order() but not indexed). `where` names the level
  /// in errors ("IFLA_VF_INFO #3"). Errors: kMalformed.
  static std::expected<AttrSet, Error> parse(const nlattr* head, int len, int max_type,
                                             std::string where);
  /// The attributes nested in `nest` (its payload).
  static std::expected<AttrSet, Error> parse_nested(const nlattr* nest, int max_type,
                                                    std::string where);

  /// The last attribute of `type` (as the kernel's nla_parse keeps it), or nullptr.
  const nlattr* get(int type) const;
  /// Every attribute in the order sent: lists such as IFLA_VFINFO_LIST repeat one type.
  const std::vector<const nlattr*>& in_order() const { return order_; }
  const std::string& where() const { return where_; }

  /// The attribute's payload as a T (a uapi struct or an integer). Longer payloads are
  /// accepted, as the kernel does, so a struct that grows keeps decoding. Errors: kMalformed
  /// when the payload is shorter than T.
  template <typename T>
  std::expected<T, Error> read(const nlattr* a, std::string_view name) const {
    static_assert(std::is_trivially_copyable_v<T>);
    if (auto ok = check_len(a, sizeof(T), name); !ok) return std::unexpected(ok.error());
    T out;
    std::memcpy(&out, payload(a), sizeof(T));
    return out;
  }
  /// A NUL-terminated string of at most `max_len` characters. Errors: kMalformed.
  std::expected<std::string, Error> read_string(const nlattr* a, std::string_view name,
                                                size_t max_len) const;
  /// The payload's bytes, whatever their number.
  std::vector<uint8_t> read_bytes(const nlattr* a) const;

  /// kMalformed naming this level and the attribute: "malformed IFLA_VF_INFO #3: IFLA_VF_MAC: ...".
  Error malformed(std::string_view name, std::string_view why) const;

 private:
  AttrSet(std::string where, int max_type) : where_(std::move(where)), table_(max_type + 1) {}
  static const void* payload(const nlattr* a);
  std::expected<void, Error> check_len(const nlattr* a, size_t need, std::string_view name) const;

  std::string where_;
  std::vector<const nlattr*> table_;
  std::vector<const nlattr*> order_;
};

}  // namespace rtnl
