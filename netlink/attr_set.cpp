#include "netlink/attr_set.hpp"

#include <netlink/attr.h>

namespace rtnl {

std::expected<AttrSet, Error> AttrSet::parse(const nlattr* head, int len, int max_type,
                                             std::string where) {
  AttrSet set(std::move(where), max_type);
  const auto* at = reinterpret_cast<const uint8_t*>(head);
  int rem = len;
  // libnl's nla_parse stops quietly at an attribute that overruns its level and only logs the
  // leftover bytes; a cut-short VF list would then read as a shorter one. Walk it strictly first.
  while (rem > 0) {
    if (rem < NLA_HDRLEN) {
      return std::unexpected(
          set.malformed("", fmt::format("{} stray byte(s) after the last attribute", rem)));
    }
    const auto* a = reinterpret_cast<const nlattr*>(at);
    if (a->nla_len < NLA_HDRLEN) {
      return std::unexpected(
          set.malformed("", fmt::format("attribute type {} has length {}, below its {}-byte header",
                                        nla_type(a), a->nla_len, NLA_HDRLEN)));
    }
    if (a->nla_len > rem) {
      return std::unexpected(set.malformed(
          "", fmt::format("attribute type {} claims {} bytes where {} remain (truncated)",
                          nla_type(a), a->nla_len, rem)));
    }
    set.order_.push_back(a);
    // The last attribute may come without its alignment padding.
    const int step = std::min(static_cast<int>(NLA_ALIGN(a->nla_len)), rem);
    at += step;
    rem -= step;
  }
  if (len > 0) {
    std::vector<nlattr*> tb(max_type + 1, nullptr);
    const int err = nla_parse(tb.data(), max_type, const_cast<nlattr*>(head), len, nullptr);
    if (err < 0) {
      return std::unexpected(set.malformed("", fmt::format("nla_parse: libnl error {}", -err)));
    }
    set.table_.assign(tb.begin(), tb.end());
  }
  return set;
}

std::expected<AttrSet, Error> AttrSet::parse_nested(const nlattr* nest, int max_type,
                                                    std::string where) {
  return parse(static_cast<const nlattr*>(payload(nest)), nest->nla_len - NLA_HDRLEN, max_type,
               std::move(where));
}

const nlattr* AttrSet::get(int type) const {
  if (type < 0 || static_cast<size_t>(type) >= table_.size()) return nullptr;
  return table_[type];
}

std::expected<std::string, Error> AttrSet::read_string(const nlattr* a, std::string_view name,
                                                       size_t max_len) const {
  const size_t len = a->nla_len - NLA_HDRLEN;
  const auto* s = static_cast<const char*>(payload(a));
  const size_t n = strnlen(s, len);
  if (n == len) return std::unexpected(malformed(name, "string without its terminating NUL"));
  if (n > max_len) {
    return std::unexpected(
        malformed(name, fmt::format("string of {} characters, at most {} allowed", n, max_len)));
  }
  return std::string(s, n);
}

std::vector<uint8_t> AttrSet::read_bytes(const nlattr* a) const {
  const auto* p = static_cast<const uint8_t*>(payload(a));
  return {p, p + (a->nla_len - NLA_HDRLEN)};
}

Error AttrSet::malformed(std::string_view name, std::string_view why) const {
  std::string detail = "malformed " + where_;
  if (!name.empty()) detail += fmt::format(": {}", name);
  detail += fmt::format(": {}", why);
  return Error{ErrorCode::kMalformed, 0, std::move(detail)};
}

const void* AttrSet::payload(const nlattr* a) {
  return reinterpret_cast<const uint8_t*>(a) + NLA_HDRLEN;
}

std::expected<void, Error> AttrSet::check_len(const nlattr* a, size_t need,
                                              std::string_view name) const {
  const size_t have = a->nla_len - NLA_HDRLEN;
  if (have < need) {
    return std::unexpected(malformed(name, fmt::format("{} byte(s), needs {}", have, need)));
  }
  return {};
}

}  // namespace rtnl
