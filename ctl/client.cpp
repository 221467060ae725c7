#include "ctl/client.hpp"

#include <linux/netlink.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <vector>

#include "netlink/ack.hpp"

namespace ctl {
namespace {

using nlohmann::json;
using rtnl::Error;
using rtnl::ErrorCode;

// Hands out, one at a time, the messages that belong to one exchange (its sequence number),
// over as many datagrams as it takes. A message stays valid until the next call.
class ExchangeReader {
 public:
  ExchangeReader(rtnl::Transport& t, uint32_t seq) : t_(t), seq_(seq) {}

  std::expected<const nlmsghdr*, Error> next() {
    for (;;) {
      while (at_ < len_) {
        const size_t rem = len_ - at_;
        if (rem < NLMSG_HDRLEN) {
          return std::unexpected(
              Error{ErrorCode::kMalformed, 0,
                    fmt::format("{} stray byte(s) after the last message", rem)});
        }
        const auto* h = reinterpret_cast<const nlmsghdr*>(buf_.data() + at_);
        if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > rem) {
          return std::unexpected(Error{ErrorCode::kMalformed, 0,
                                       fmt::format("message of {} bytes where {} remain in the "
                                                   "datagram",
                                                   h->nlmsg_len, rem)});
        }
        at_ += std::min<size_t>(NLMSG_ALIGN(h->nlmsg_len), rem);
        // Another sequence number is the tail of an exchange an earlier caller gave up on.
        if (h->nlmsg_seq != seq_ || h->nlmsg_type == NLMSG_NOOP) continue;
        return h;
      }
      auto n = t_.receive(buf_);
      if (!n) return std::unexpected(n.error());
      len_ = *n;
      at_ = 0;
    }
  }

 private:
  rtnl::Transport& t_;
  uint32_t seq_;
  std::vector<std::byte> buf_;
  size_t len_ = 0;
  size_t at_ = 0;
};

std::span<const std::byte> payload_of(const nlmsghdr* h) {
  return {reinterpret_cast<const std::byte*>(h) + NLMSG_HDRLEN, h->nlmsg_len - NLMSG_HDRLEN};
}

std::expected<uint32_t, Error> send_request(rtnl::Transport& t, std::string_view op, json args) {
  if (!args.is_object()) {
    return std::unexpected(Error{ErrorCode::kInvalidArgument, 0,
                                 fmt::format("request '{}': arguments must be a JSON object, not "
                                             "{}",
                                             op, args.type_name())});
  }
  args["op"] = op;
  // Replacing invalid UTF-8 instead of throwing: a name typed by a person is not worth an abort.
  const std::string body = args.dump(-1, ' ', false, json::error_handler_t::replace);
  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(NLMSG_HDRLEN + body.size());
  h.nlmsg_type = kMsgRequest;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  h.nlmsg_seq = t.next_seq();
  std::vector<std::byte> bytes(NLMSG_ALIGN(h.nlmsg_len));
  std::memcpy(bytes.data(), &h, sizeof(h));
  std::memcpy(bytes.data() + NLMSG_HDRLEN, body.data(), body.size());
  if (auto sent = t.send(bytes); !sent) return std::unexpected(sent.error());
  return h.nlmsg_seq;
}

// For a non-zero ack.error: the peer's refusal, or kProtocol when the number is no errno.
Error refused(const rtnl::Transport& t, std::string_view op, const rtnl::Ack& ack) {
  if (!ack.error_is_errno()) {
    return Error{ErrorCode::kProtocol, 0,
                 fmt::format("request '{}': the {} answered with error {}, not a negative errno",
                             op, t.peer_name(), ack.error),
                 ack.message};
  }
  return Error{ErrorCode::kRefused, -ack.error,
               fmt::format("request '{}' refused by the {}", op, t.peer_name()), ack.message};
}

Error unexpected_type(const rtnl::Transport& t, std::string_view op, const nlmsghdr* h,
                      std::string_view where) {
  return Error{ErrorCode::kProtocol, 0,
               fmt::format("request '{}': the {} sent message type {:#x} {}", op, t.peer_name(),
                           h->nlmsg_type, where)};
}

// How deep arrays and objects nest in `text` (JSON or not), strings skipped; stops counting
// past `limit`.
size_t nesting_depth(std::string_view text, size_t limit) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char ch : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
      continue;
    }
    switch (ch) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        deepest = std::max(deepest, ++depth);
        if (deepest > limit) return deepest;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

std::expected<json, Error> parse_reply(std::string_view op, const nlmsghdr* h) {
  const auto p = payload_of(h);
  std::string_view text(reinterpret_cast<const char*>(p.data()), p.size());
  // A reply built with libnl's nlmsg_append counts its alignment padding in nlmsg_len.
  while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
  // nlohmann's parser is iterative, but dumping and walking a document recurse per level: a
  // datagram of 100000 '[' would overflow the stack of whoever prints the reply.
  if (nesting_depth(text, kMaxReplyDepth) > kMaxReplyDepth) {
    return std::unexpected(Error{
        ErrorCode::kProtocol, 0,
        fmt::format("request '{}': the reply nests deeper than {} levels", op, kMaxReplyDepth)});
  }
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return std::unexpected(
        Error{ErrorCode::kMalformed, 0, fmt::format("request '{}': the reply is not JSON", op)});
  }
  if (!j.is_object()) {
    return std::unexpected(Error{
        ErrorCode::kProtocol, 0,
        fmt::format("request '{}': the reply is a JSON {}, not an object", op, j.type_name())});
  }
  return j;
}

// The first answer to a request: its kMsgReply, or its ACK (an empty object), or a refusal.
std::expected<json, Error> await_answer(const rtnl::Transport& t, ExchangeReader& r,
                                        std::string_view op) {
  auto h = r.next();
  if (!h) return std::unexpected(std::move(h.error()).within(fmt::format("request '{}'", op)));
  switch ((*h)->nlmsg_type) {
    case kMsgReply:
      return parse_reply(op, *h);
    case NLMSG_ERROR: {
      auto ack = rtnl::parse_ack(*h);
      if (!ack) {
        return std::unexpected(std::move(ack.error()).within(fmt::format("request '{}'", op)));
      }
      if (ack->error != 0) return std::unexpected(refused(t, op, *ack));
      return json::object();
    }
    default:
      return std::unexpected(unexpected_type(t, op, *h, "instead of a reply"));
  }
}

// "dropped N" from a capture's NLMSG_DONE; anything else counts nothing.
uint64_t dropped_in(std::string_view text) {
  constexpr std::string_view kPrefix = "dropped ";
  uint64_t n = 0;
  if (!text.starts_with(kPrefix)) return 0;
  text.remove_prefix(kPrefix.size());
  std::from_chars(text.data(), text.data() + text.size(), n);
  return n;
}

std::expected<CapturedFrame, Error> parse_frame(const nlmsghdr* h) {
  const auto p = payload_of(h);
  if (p.size() < sizeof(FrameRecord)) {
    return std::unexpected(Error{ErrorCode::kMalformed, 0,
                                 fmt::format("capture frame of {} bytes, below its {}-byte record",
                                             p.size(), sizeof(FrameRecord))});
  }
  FrameRecord rec;
  std::memcpy(&rec, p.data(), sizeof(rec));
  const auto dir = static_cast<FrameDirection>(rec.direction);
  if (dir != FrameDirection::kInbound && dir != FrameDirection::kOutbound) {
    return std::unexpected(
        Error{ErrorCode::kMalformed, 0, fmt::format("capture frame direction {}", rec.direction)});
  }
  return CapturedFrame{rec.time_ns, rec.orig_len, dir, p.subspan(sizeof(FrameRecord))};
}

}  // namespace

std::expected<json, Error> request(rtnl::Transport& t, std::string_view op, json args) {
  auto seq = send_request(t, op, std::move(args));
  if (!seq) return std::unexpected(std::move(seq.error()).within(fmt::format("request '{}'", op)));
  ExchangeReader r(t, *seq);
  return await_answer(t, r, op);
}

std::expected<CaptureEnd, Error> capture(
    rtnl::Transport& t, json args, const std::function<void(const json&)>& on_start,
    const std::function<bool(const CapturedFrame&)>& on_frame) {
  constexpr std::string_view op = kOpCapture;
  auto seq = send_request(t, op, std::move(args));
  if (!seq) return std::unexpected(std::move(seq.error()).within("capture"));
  ExchangeReader r(t, *seq);
  auto started = await_answer(t, r, op);
  if (!started) return std::unexpected(started.error());
  on_start(*started);
  CaptureEnd end;
  for (;;) {
    auto h = r.next();
    if (!h) return std::unexpected(std::move(h.error()).within("capture"));
    switch ((*h)->nlmsg_type) {
      case kMsgFrame: {
        auto frame = parse_frame(*h);
        if (!frame) return std::unexpected(frame.error());
        ++end.frames;
        if (!on_frame(*frame)) return end;
        break;
      }
      case NLMSG_DONE: {
        auto done = rtnl::parse_done(*h);
        if (!done) return std::unexpected(std::move(done.error()).within("capture"));
        if (done->error != 0) return std::unexpected(refused(t, op, *done));
        end.dropped = dropped_in(done->message);
        return end;
      }
      case NLMSG_ERROR: {
        auto ack = rtnl::parse_ack(*h);
        if (!ack) return std::unexpected(std::move(ack.error()).within("capture"));
        if (ack->error != 0) return std::unexpected(refused(t, op, *ack));
        return std::unexpected(
            unexpected_type(t, op, *h, "(an ACK) where frames or NLMSG_DONE belong"));
      }
      default:
        return std::unexpected(unexpected_type(t, op, *h, "where frames or NLMSG_DONE belong"));
    }
  }
}

}  // namespace ctl
