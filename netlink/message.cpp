#include "netlink/message.hpp"

#include <netlink/msg.h>

#include <cerrno>

namespace rtnl {

void Message::Free::operator()(nl_msg* m) const { nlmsg_free(m); }

std::expected<Message, Error> Message::create(uint16_t type, uint16_t flags, size_t header_len,
                                              size_t capacity) {
  if (capacity < NLMSG_SPACE(header_len)) {
    return std::unexpected(Error{ErrorCode::kInvalidArgument, 0,
                                 fmt::format("message capacity {} below its header", capacity)});
  }
  nl_msg* raw = nlmsg_alloc_size(capacity);
  if (raw == nullptr) {
    return std::unexpected(Error{ErrorCode::kSystem, ENOMEM, "nlmsg_alloc_size"});
  }
  Message m(raw);
  // nlmsg_put zeroes the reserved family header; pid and seq are stamped when it is sent.
  if (nlmsg_put(raw, 0, 0, type, static_cast<int>(header_len), flags) == nullptr) {
    return std::unexpected(Error{ErrorCode::kSystem, ENOMEM, "nlmsg_put"});
  }
  return m;
}

std::expected<Message, Error> Message::copy_of(const nlmsghdr* hdr) {
  nl_msg* raw = nlmsg_convert(const_cast<nlmsghdr*>(hdr));
  if (raw == nullptr) {
    return std::unexpected(Error{ErrorCode::kSystem, ENOMEM, "nlmsg_convert"});
  }
  return Message(raw);
}

nlmsghdr* Message::header() const { return nlmsg_hdr(msg_.get()); }

void* Message::payload() const { return nlmsg_data(header()); }

std::span<const std::byte> Message::bytes() const {
  const nlmsghdr* h = header();
  return {reinterpret_cast<const std::byte*>(h), h->nlmsg_len};
}

}  // namespace rtnl
