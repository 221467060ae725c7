#include "netlink/ack.hpp"

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <cstring>

#include "netlink/attr_set.hpp"

namespace rtnl {
namespace {

// Longer than any extack message the kernel writes; a peer sending more is not believed.
constexpr size_t kMaxText = 4096;

Error malformed(std::string detail) { return Error{ErrorCode::kMalformed, 0, std::move(detail)}; }

std::expected<void, Error> parse_tlvs(const nlmsghdr* msg, size_t offset, Ack& ack) {
  if ((msg->nlmsg_flags & NLM_F_ACK_TLVS) == 0 || offset >= msg->nlmsg_len) return {};
  const auto* head =
      reinterpret_cast<const nlattr*>(reinterpret_cast<const uint8_t*>(msg) + offset);
  auto tlvs = AttrSet::parse(head, static_cast<int>(msg->nlmsg_len - offset), NLMSGERR_ATTR_MAX,
                             "extended ACK");
  if (!tlvs) return std::unexpected(tlvs.error());
  if (const nlattr* a = tlvs->get(NLMSGERR_ATTR_MSG)) {
    auto text = tlvs->read_string(a, "NLMSGERR_ATTR_MSG", kMaxText);
    if (!text) return std::unexpected(text.error());
    ack.message = std::move(*text);
  }
  if (const nlattr* a = tlvs->get(NLMSGERR_ATTR_OFFS)) {
    auto off = tlvs->read<uint32_t>(a, "NLMSGERR_ATTR_OFFS");
    if (!off) return std::unexpected(off.error());
    ack.bad_attr_offset = *off;
  }
  return {};
}

/// `text` as a peer's parse_ack() takes it: at most kMaxText bytes (which also keeps the
/// attribute's 16-bit nla_len from wrapping), cut before a UTF-8 character that does not fit,
/// and ending in "…" (U+2026) when cut.
std::string fitted_text(std::string_view text) {
  // Up to the first NUL: what nla_put_string() would send anyway.
  text = text.substr(0, text.find('\0'));
  if (text.size() <= kMaxText) return std::string(text);
  constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
  size_t keep = kMaxText - kEllipsis.size();
  while (keep > 0 && (static_cast<uint8_t>(text[keep]) & 0xC0) == 0x80) --keep;
  std::string out(text.substr(0, keep));
  out += kEllipsis;
  return out;
}

size_t text_space(std::string_view text) {
  return text.empty() ? 0 : static_cast<size_t>(nla_total_size(static_cast<int>(text.size() + 1)));
}

std::expected<void, Error> put_text(Message& m, const std::string& s) {
  if (s.empty()) return {};
  m.header()->nlmsg_flags |= NLM_F_ACK_TLVS;
  if (nla_put_string(m.get(), NLMSGERR_ATTR_MSG, s.c_str()) < 0) {
    return std::unexpected(Error{ErrorCode::kSystem, ENOMEM, "NLMSGERR_ATTR_MSG does not fit"});
  }
  return {};
}

}  // namespace

std::expected<Ack, Error> parse_ack(const nlmsghdr* msg) {
  if (msg->nlmsg_type != NLMSG_ERROR) {
    return std::unexpected(malformed(fmt::format("type {} is not NLMSG_ERROR", msg->nlmsg_type)));
  }
  if (msg->nlmsg_len < NLMSG_HDRLEN + sizeof(nlmsgerr)) {
    return std::unexpected(
        malformed(fmt::format("NLMSG_ERROR of {} bytes, below the {} its nlmsgerr needs",
                              msg->nlmsg_len, NLMSG_HDRLEN + sizeof(nlmsgerr))));
  }
  nlmsgerr e;
  std::memcpy(&e, NLMSG_DATA(msg), sizeof(e));
  Ack ack;
  ack.error = e.error;
  size_t payload = sizeof(nlmsgerr);
  if ((msg->nlmsg_flags & NLM_F_CAPPED) == 0) {
    // Uncapped, the whole request follows; its own length says how much.
    if (e.msg.nlmsg_len < NLMSG_HDRLEN ||
        NLMSG_HDRLEN + payload + (e.msg.nlmsg_len - NLMSG_HDRLEN) > msg->nlmsg_len) {
      return std::unexpected(
          malformed(fmt::format("NLMSG_ERROR echoes a request of {} bytes in {} bytes",
                                e.msg.nlmsg_len, msg->nlmsg_len)));
    }
    payload += e.msg.nlmsg_len - NLMSG_HDRLEN;
  }
  if (auto ok = parse_tlvs(msg, NLMSG_HDRLEN + NLMSG_ALIGN(payload), ack); !ok) {
    return std::unexpected(ok.error());
  }
  return ack;
}

std::expected<Ack, Error> parse_done(const nlmsghdr* msg) {
  if (msg->nlmsg_type != NLMSG_DONE) {
    return std::unexpected(malformed(fmt::format("type {} is not NLMSG_DONE", msg->nlmsg_type)));
  }
  Ack ack;
  // The error word is optional: very old kernels ended dumps with an empty NLMSG_DONE.
  if (msg->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
    std::memcpy(&ack.error, NLMSG_DATA(msg), sizeof(int));
    if (auto ok = parse_tlvs(msg, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int)), ack); !ok) {
      return std::unexpected(ok.error());
    }
  }
  return ack;
}

std::expected<Message, Error> build_ack(const nlmsghdr& request, int error,
                                        std::string_view full_text) {
  const std::string text = fitted_text(full_text);
  auto m = Message::create(NLMSG_ERROR, NLM_F_CAPPED, sizeof(nlmsgerr),
                           NLMSG_SPACE(sizeof(nlmsgerr)) + text_space(text));
  if (!m) return m;
  m->header()->nlmsg_seq = request.nlmsg_seq;
  m->header()->nlmsg_pid = request.nlmsg_pid;
  auto* e = static_cast<nlmsgerr*>(m->payload());
  e->error = error;
  e->msg = request;
  if (auto ok = put_text(*m, text); !ok) return std::unexpected(ok.error());
  return m;
}

std::expected<Message, Error> build_done(const nlmsghdr& request, int error,
                                         std::string_view full_text) {
  const std::string text = fitted_text(full_text);
  auto m = Message::create(NLMSG_DONE, NLM_F_MULTI, sizeof(int),
                           NLMSG_SPACE(sizeof(int)) + text_space(text));
  if (!m) return m;
  m->header()->nlmsg_seq = request.nlmsg_seq;
  m->header()->nlmsg_pid = request.nlmsg_pid;
  std::memcpy(m->payload(), &error, sizeof(error));
  if (auto ok = put_text(*m, text); !ok) return std::unexpected(ok.error());
  return m;
}

}  // namespace rtnl
