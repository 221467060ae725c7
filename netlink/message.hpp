#pragma once
// One netlink message in a libnl nl_msg, owned: requests being built and replies received.

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <span>

#include "netlink/error.hpp"

struct nl_msg;

namespace rtnl {

class Message {
 public:
  /// A message of `type` with `flags` and a zeroed fixed header of `header_len` bytes (the
  /// family struct, e.g. ifinfomsg), with room for `capacity` bytes in all. libnl's default
  /// capacity is one page, too small for a SETLINK of 63 VFs or a NEWLINK describing them;
  /// callers size it. Errors: kSystem (ENOMEM), kInvalidArgument (capacity below the header).
  static std::expected<Message, Error> create(uint16_t type, uint16_t flags, size_t header_len,
                                              size_t capacity);
  /// A copy of the message `hdr` points to; its nlmsg_len bytes must be readable.
  static std::expected<Message, Error> copy_of(const nlmsghdr* hdr);

  nl_msg* get() const { return msg_.get(); }
  nlmsghdr* header() const;
  /// The fixed header following nlmsghdr (ifinfomsg for link messages).
  void* payload() const;
  /// The whole message as it goes on the wire: nlmsg_len bytes.
  std::span<const std::byte> bytes() const;

 private:
  struct Free {
    void operator()(nl_msg* m) const;
  };
  explicit Message(nl_msg* m) : msg_(m) {}
  std::unique_ptr<nl_msg, Free> msg_;
};

}  // namespace rtnl
