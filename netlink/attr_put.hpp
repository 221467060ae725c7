#pragma once
// What the message builders share for writing attributes with libnl.

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <cstddef>

namespace rtnl {

/// Bytes an attribute with `payload` bytes takes in a message, header and padding included.
inline size_t attr_space(size_t payload) {
  return static_cast<size_t>(nla_total_size(static_cast<int>(payload)));
}

/// Appends `value` (a kernel struct or integer, copied byte for byte) as attribute `type`.
/// Returns false when the message has no room left.
template <typename T>
bool put_attr(nl_msg* msg, int type, const T& value) {
  return nla_put(msg, type, sizeof(T), &value) == 0;
}

}  // namespace rtnl
