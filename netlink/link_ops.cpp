#include "netlink/link_ops.hpp"

#include <linux/rtnetlink.h>

#include <algorithm>
#include <cerrno>

#include "netlink/exchange.hpp"
#include "netlink/newlink_parse.hpp"
#include "netlink/setlink_request.hpp"

namespace rtnl {
namespace {

constexpr int kDumpAttempts = 3;

struct Dump {
  std::vector<LinkInfo> links;
  bool interrupted = false;
};

std::expected<Dump, Error> dump_once(Transport& t, GetLinkOptions opts) {
  auto req = build_dump_links(opts);
  if (!req) return std::unexpected(req.error());
  auto replies = exchange(t, *req);
  if (!replies) return std::unexpected(std::move(replies.error()).within("RTM_GETLINK dump"));
  Dump out;
  out.interrupted = replies->dump_interrupted;
  for (const Message& m : replies->messages) {
    if (m.header()->nlmsg_type != RTM_NEWLINK) continue;
    auto link = parse_link(m.header());
    if (!link) return std::unexpected(std::move(link.error()).within("RTM_GETLINK dump"));
    out.links.push_back(std::move(*link));
  }
  return out;
}

bool too_big(const Error& e) { return e.code == ErrorCode::kRefused && e.errnum == EMSGSIZE; }

// Each link alone: the kernel sizes a single-link reply to fit, however many VFs it has.
std::expected<std::vector<LinkInfo>, Error> dump_link_by_link(Transport& t, GetLinkOptions opts) {
  GetLinkOptions bare = opts;
  bare.vfs = false;
  auto names = dump_once(t, bare);
  if (!names) return std::unexpected(names.error());
  std::vector<LinkInfo> out;
  for (const LinkInfo& l : names->links) {
    auto full = get_link(t, l.ifindex, opts);
    if (!full && full.error().code == ErrorCode::kRefused && full.error().errnum == ENODEV) {
      continue;
    }
    if (!full) return std::unexpected(full.error());
    out.push_back(std::move(*full));
  }
  return out;
}

// IFLA_VF_RATE sets both rates at once; a change naming one keeps the VF's other one.
std::expected<void, Error> complete_rates(Transport& t, const LinkRef& link,
                                          std::vector<VfChange>& changes) {
  const auto lone = [](const VfChange& c) {
    return c.min_tx_rate.has_value() != c.max_tx_rate.has_value();
  };
  if (std::none_of(changes.begin(), changes.end(), lone)) return {};
  auto current = get_link(t, link, GetLinkOptions{.vfs = true, .vf_stats = false});
  if (!current) return std::unexpected(current.error());
  for (VfChange& c : changes) {
    if (!lone(c)) continue;
    const auto it = std::find_if(current->vfs.begin(), current->vfs.end(),
                                 [&](const VfInfo& v) { return v.vf == c.vf; });
    if (it == current->vfs.end()) {
      return std::unexpected(Error{
          ErrorCode::kInvalidArgument, 0,
          fmt::format("{} reports no VF {} to take its other tx rate from", describe(link), c.vf)});
    }
    if (!c.min_tx_rate) c.min_tx_rate = it->min_tx_rate;
    if (!c.max_tx_rate) c.max_tx_rate = it->max_tx_rate;
  }
  return {};
}

}  // namespace

std::expected<LinkInfo, Error> get_link(Transport& t, const LinkRef& link, GetLinkOptions opts) {
  const std::string what = fmt::format("RTM_GETLINK {}", describe(link));
  auto req = build_getlink(link, opts);
  if (!req) return std::unexpected(std::move(req.error()).within(what));
  auto replies = exchange(t, *req);
  if (!replies) return std::unexpected(std::move(replies.error()).within(what));
  for (const Message& m : replies->messages) {
    if (m.header()->nlmsg_type != RTM_NEWLINK) continue;
    auto info = parse_link(m.header());
    if (!info) return std::unexpected(std::move(info.error()).within(what));
    return info;
  }
  return std::unexpected(
      Error{ErrorCode::kProtocol, 0,
            fmt::format("{}: the {} acknowledged without an RTM_NEWLINK", what, t.peer_name())});
}

std::expected<std::vector<LinkInfo>, Error> dump_links(Transport& t, GetLinkOptions opts) {
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    auto dump = dump_once(t, opts);
    if (!dump && too_big(dump.error()) && opts.vfs) return dump_link_by_link(t, opts);
    if (!dump) return std::unexpected(dump.error());
    if (!dump->interrupted) return std::move(dump->links);
  }
  return std::unexpected(Error{
      ErrorCode::kInterrupted, 0,
      fmt::format("RTM_GETLINK dump: links kept changing during {} attempts", kDumpAttempts)});
}

std::expected<void, Error> set_vf(Transport& t, const LinkRef& link,
                                  std::span<const VfChange> changes) {
  const std::string what = fmt::format("RTM_SETLINK {}", describe(link));
  std::vector<VfChange> complete(changes.begin(), changes.end());
  if (auto ok = complete_rates(t, link, complete); !ok) {
    return std::unexpected(std::move(ok.error()).within(what));
  }
  auto req = build_setlink_vf(link, complete);
  if (!req) return std::unexpected(std::move(req.error()).within(what));
  auto replies = exchange(t, *req);
  if (!replies) return std::unexpected(std::move(replies.error()).within(what));
  return {};
}

}  // namespace rtnl
