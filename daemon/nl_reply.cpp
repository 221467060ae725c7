#include "daemon/nl_reply.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ctl/protocol.hpp"
#include "netlink/ack.hpp"

namespace simd {

std::vector<std::byte> raw_message(const nlmsghdr& request, uint16_t type, uint16_t flags,
                                   std::span<const std::byte> payload) {
  std::vector<std::byte> out(NLMSG_ALIGN(NLMSG_HDRLEN + payload.size()));
  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(NLMSG_HDRLEN + payload.size());
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  h.nlmsg_seq = request.nlmsg_seq;
  h.nlmsg_pid = request.nlmsg_pid;
  std::memcpy(out.data(), &h, sizeof h);
  if (!payload.empty()) std::memcpy(out.data() + NLMSG_HDRLEN, payload.data(), payload.size());
  return out;
}

namespace {

/// Sends `datagram`, or -EMSGSIZE when it is too large for the socket to carry.
bool send_bounded(Connection& c, const nlmsghdr& request, std::span<const std::byte> datagram) {
  if (datagram.size() <= kMaxReplyDatagram) return c.send(datagram);
  send_ack(c, request, -EMSGSIZE,
           fmt::format("the reply of {} bytes is larger than the {} one datagram may carry",
                       datagram.size(), kMaxReplyDatagram));
  return false;
}

}  // namespace

bool send_message(Connection& c, const rtnl::Message& m) {
  const auto bytes = m.bytes();
  nlmsghdr h{};
  std::memcpy(&h, bytes.data(), std::min(sizeof h, bytes.size()));
  return send_bounded(c, h, bytes);
}

bool send_ack(Connection& c, const nlmsghdr& request, int error, std::string_view text) {
  auto m = rtnl::build_ack(request, error, text);
  return m && send_message(c, *m);
}

bool send_done(Connection& c, const nlmsghdr& request, std::string_view text) {
  auto m = rtnl::build_done(request, 0, text);
  return m && send_message(c, *m);
}

bool send_json(Connection& c, const nlmsghdr& request, const nlohmann::json& body) {
  const std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const auto bytes = std::as_bytes(std::span(text.data(), text.size()));
  return send_bounded(c, request, raw_message(request, ctl::kMsgReply, 0, bytes));
}

}  // namespace simd
