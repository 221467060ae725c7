#include "netlink/exchange.hpp"

#include <algorithm>

#include "netlink/ack.hpp"

namespace rtnl {
namespace {

enum class Step { kMore, kDone };

struct Walk {
  Transport& t;
  uint32_t seq;
  bool dump;
  bool acked;
  Replies out;
};

// For a non-zero ack.error: the peer's refusal, or kProtocol when the number is no errno.
Error refused(const Transport& t, const Ack& ack) {
  if (!ack.error_is_errno()) {
    return Error{ErrorCode::kProtocol, 0,
                 fmt::format("the {} answered with error {}, not a negative errno", t.peer_name(),
                             ack.error),
                 ack.message};
  }
  std::string detail = fmt::format("refused by the {}", t.peer_name());
  if (ack.bad_attr_offset) detail += fmt::format(" (attribute at offset {})", *ack.bad_attr_offset);
  return Error{ErrorCode::kRefused, -ack.error, std::move(detail), ack.message};
}

std::expected<Step, Error> on_message(Walk& w, const nlmsghdr* h) {
  if (h->nlmsg_seq != w.seq) return Step::kMore;
  switch (h->nlmsg_type) {
    case NLMSG_NOOP:
      return Step::kMore;
    case NLMSG_OVERRUN:
      return std::unexpected(Error{ErrorCode::kOverrun, 0,
                                   fmt::format("the {} reported NLMSG_OVERRUN", w.t.peer_name())});
    case NLMSG_ERROR: {
      auto ack = parse_ack(h);
      if (!ack) return std::unexpected(ack.error());
      if (ack->error != 0) return std::unexpected(refused(w.t, *ack));
      return Step::kDone;
    }
    case NLMSG_DONE: {
      auto done = parse_done(h);
      if (!done) return std::unexpected(done.error());
      if (done->error != 0) return std::unexpected(refused(w.t, *done));
      return Step::kDone;
    }
    default: {
      auto copy = Message::copy_of(h);
      if (!copy) return std::unexpected(copy.error());
      if ((h->nlmsg_flags & NLM_F_DUMP_INTR) != 0) w.out.dump_interrupted = true;
      w.out.messages.push_back(std::move(*copy));
      return (w.dump || w.acked) ? Step::kMore : Step::kDone;
    }
  }
}

// A datagram holds whole messages back to back, each padded to 4 bytes.
std::expected<Step, Error> on_datagram(Walk& w, const std::vector<std::byte>& buf, size_t len) {
  size_t at = 0;
  while (at < len) {
    const size_t rem = len - at;
    if (rem < NLMSG_HDRLEN) {
      return std::unexpected(Error{ErrorCode::kMalformed, 0,
                                   fmt::format("{} stray byte(s) after the last message", rem)});
    }
    const auto* h = reinterpret_cast<const nlmsghdr*>(buf.data() + at);
    if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > rem) {
      return std::unexpected(Error{
          ErrorCode::kMalformed, 0,
          fmt::format("message of {} bytes where {} remain in the datagram", h->nlmsg_len, rem)});
    }
    auto step = on_message(w, h);
    if (!step || *step == Step::kDone) return step;
    at += std::min<size_t>(NLMSG_ALIGN(h->nlmsg_len), rem);
  }
  return Step::kMore;
}

}  // namespace

std::expected<Replies, Error> exchange(Transport& t, Message& request) {
  nlmsghdr* req = request.header();
  req->nlmsg_seq = t.next_seq();
  Walk w{t,
         req->nlmsg_seq,
         (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP,
         (req->nlmsg_flags & NLM_F_ACK) != 0,
         {}};
  if (auto sent = t.send(request.bytes()); !sent) return std::unexpected(sent.error());
  std::vector<std::byte> buf;
  for (;;) {
    auto len = t.receive(buf);
    if (!len) return std::unexpected(len.error());
    auto step = on_datagram(w, buf, *len);
    if (!step) return std::unexpected(step.error());
    if (*step == Step::kDone) return std::move(w.out);
  }
}

}  // namespace rtnl
