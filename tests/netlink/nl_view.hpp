#pragma once
// Reading messages back with libnl's own parser, independent of the code under test.

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <cstring>
#include <vector>

namespace nltest {

/// The attributes nested in `nest`, in order (nla_for_each_nested, without its void* casts).
inline std::vector<nlattr*> children(const nlattr* nest) {
  std::vector<nlattr*> out;
  int rem = nla_len(nest);
  for (auto* a = static_cast<nlattr*>(nla_data(nest)); nla_ok(a, rem); a = nla_next(a, &rem)) {
    out.push_back(a);
  }
  return out;
}

/// The payload of `a` as a T, after checking it is exactly sizeof(T) bytes (the caller
/// CHECKs the length separately; this only keeps the copy in bounds).
template <typename T>
T as(const nlattr* a) {
  T out{};
  std::memcpy(&out, nla_data(a), std::min<size_t>(sizeof(T), static_cast<size_t>(nla_len(a))));
  return out;
}

}  // namespace nltest
