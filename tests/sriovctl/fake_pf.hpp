#pragma once
// A Transport whose peer behaves like a PF, for sriovctl's execution tests: RTM_GETLINK is
// answered from `link` (with build_newlink, as the kernel lays it out), RTM_SETLINK is decoded
// with parse_setlink_vf and applied to `link` either as the kernel does (VFs in order; within
// one MAC, VLAN, rate, spoofchk, link state, RSS query, trust; stopping at the first refusal)
// or all or nothing (a daemon), and sriovkit's own kMsgRequest goes to `on_request`.

#include <linux/rtnetlink.h>
#include <netlink/msg.h>

#include <cstring>
#include <deque>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ctl/protocol.hpp"
#include "netlink/ack.hpp"
#include "netlink/link_info.hpp"
#include "netlink/newlink_build.hpp"
#include "netlink/setlink_parse.hpp"
#include "netlink/transport.hpp"

namespace sctest {

using Datagram = std::vector<std::byte>;

inline Datagram bytes_of(const rtnl::Message& m) {
  Datagram d(m.bytes().begin(), m.bytes().end());
  d.resize(NLMSG_ALIGN(d.size()));
  return d;
}

/// A message of `type` answering `req` with `payload` after the header.
inline Datagram message(const nlmsghdr& req, uint16_t type, uint16_t flags,
                        std::span<const std::byte> payload) {
  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(NLMSG_HDRLEN + payload.size());
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  h.nlmsg_seq = req.nlmsg_seq;
  Datagram d(NLMSG_ALIGN(h.nlmsg_len));
  std::memcpy(d.data(), &h, sizeof h);
  if (!payload.empty()) std::memcpy(d.data() + NLMSG_HDRLEN, payload.data(), payload.size());
  return d;
}

inline Datagram reply(const nlmsghdr& req, const nlohmann::json& j) {
  const std::string text = j.dump();
  return message(req, ctl::kMsgReply, 0,
                 std::as_bytes(std::span<const char>(text.data(), text.size())));
}

inline Datagram ack(const nlmsghdr& req, int error = 0, std::string_view text = {}) {
  return bytes_of(*rtnl::build_ack(req, error, text));
}

inline Datagram done(const nlmsghdr& req, int error = 0, std::string_view text = {}) {
  return bytes_of(*rtnl::build_done(req, error, text));
}

inline Datagram frame(const nlmsghdr& req, uint64_t time_ns, ctl::FrameDirection dir,
                      const std::vector<std::byte>& bytes, uint32_t orig_len = 0) {
  ctl::FrameRecord rec{time_ns,
                       orig_len != 0 ? orig_len : static_cast<uint32_t>(bytes.size()),
                       static_cast<uint8_t>(dir),
                       {0, 0, 0}};
  std::vector<std::byte> payload(sizeof rec);
  std::memcpy(payload.data(), &rec, sizeof rec);
  payload.insert(payload.end(), bytes.begin(), bytes.end());
  return message(req, ctl::kMsgFrame, NLM_F_MULTI, payload);
}

/// Which setting of a VfChange, named as sriovctl's keywords.
struct Refusal {
  int errnum;
  std::string text;
};

class FakePf final : public rtnl::Transport {
 public:
  explicit FakePf(rtnl::LinkInfo l, bool kernel) : link(std::move(l)), kernel_(kernel) {}

  /// Refuses (VF, setting keyword) when it returns a Refusal.
  std::function<std::optional<Refusal>(uint32_t vf, std::string_view setting)> refuse;
  /// Answers kMsgRequest: the JSON request (with "op") and its header.
  std::function<std::vector<Datagram>(const nlohmann::json&, const nlmsghdr&)> on_request;

  rtnl::LinkInfo link;
  std::vector<Datagram> requests;                ///< every request, as sent
  std::vector<rtnl::SetLinkVfRequest> setlinks;  ///< every RTM_SETLINK, decoded
  std::vector<nlohmann::json> json_requests;     ///< every kMsgRequest's JSON

  std::expected<void, rtnl::Error> send(std::span<const std::byte> request) override {
    requests.emplace_back(request.begin(), request.end());
    const auto* h = reinterpret_cast<const nlmsghdr*>(requests.back().data());
    for (Datagram& d : answer(*h)) queue_.push_back(std::move(d));
    return {};
  }
  std::expected<size_t, rtnl::Error> receive(std::vector<std::byte>& buffer) override {
    if (queue_.empty()) return std::unexpected(rtnl::Error(rtnl::ErrorCode::kTimeout, 0, "silent"));
    Datagram d = std::move(queue_.front());
    queue_.pop_front();
    if (buffer.size() < d.size()) buffer.resize(d.size());
    std::copy(d.begin(), d.end(), buffer.begin());
    return d.size();
  }
  std::string_view peer_name() const override { return kernel_ ? "kernel" : "daemon"; }

 private:
  std::vector<Datagram> answer(const nlmsghdr& h) {
    switch (h.nlmsg_type) {
      case RTM_GETLINK:
        return getlink(h);
      case RTM_SETLINK:
        return setlink(h);
      case ctl::kMsgRequest: {
        const char* p = reinterpret_cast<const char*>(&h) + NLMSG_HDRLEN;
        nlohmann::json j = nlohmann::json::parse(std::string_view(p, h.nlmsg_len - NLMSG_HDRLEN));
        json_requests.push_back(j);
        if (!on_request) return {ack(h, -EOPNOTSUPP, "no such op here")};
        return on_request(j, h);
      }
      default:
        return {ack(h, -EOPNOTSUPP)};
    }
  }

  std::vector<Datagram> getlink(const nlmsghdr& h) {
    const rtnl::NewlinkOptions opts{
        .seq = h.nlmsg_seq,
        .flags = static_cast<uint16_t>((h.nlmsg_flags & NLM_F_DUMP) ? NLM_F_MULTI : 0),
        .ext_filter_mask = RTEXT_FILTER_VF};
    if ((h.nlmsg_flags & NLM_F_DUMP) != 0)
      return {bytes_of(*rtnl::build_newlink(link, opts)), done(h)};
    std::vector<nlattr*> tb(IFLA_MAX + 1, nullptr);
    nlmsg_parse(const_cast<nlmsghdr*>(&h), sizeof(ifinfomsg), tb.data(), IFLA_MAX, nullptr);
    if (tb[IFLA_IFNAME] != nullptr && nla_get_string(tb[IFLA_IFNAME]) != link.name) {
      return {ack(h, -ENODEV)};
    }
    return {bytes_of(*rtnl::build_newlink(link, opts)), ack(h)};
  }

  std::optional<Refusal> check(uint32_t vf, std::string_view s) {
    return refuse ? refuse(vf, s) : std::nullopt;
  }

  // Applies one VF's settings in the kernel's order; the first refusal stops it.
  std::optional<Refusal> apply(const rtnl::VfChange& c, bool dry_run) {
    auto it = std::find_if(link.vfs.begin(), link.vfs.end(), [&](auto& v) { return v.vf == c.vf; });
    if (it == link.vfs.end()) return Refusal{EINVAL, "no such VF"};
    rtnl::VfInfo& v = *it;
    const auto step = [&](bool present, std::string_view name,
                          auto&& set) -> std::optional<Refusal> {
      if (!present) return std::nullopt;
      if (auto r = check(c.vf.value(), name)) return r;
      if (!dry_run) set();
      return std::nullopt;
    };
    if (auto r = step(c.mac.has_value(), "mac", [&] { v.mac = *c.mac; })) return r;
    if (auto r = step(c.vlan.has_value(), "vlan", [&] { v.vlans = {*c.vlan}; })) return r;
    if (auto r = step(c.max_tx_rate || c.min_tx_rate, "rate", [&] {
          v.max_tx_rate = c.max_tx_rate.value_or(v.max_tx_rate);
          v.min_tx_rate = c.min_tx_rate.value_or(v.min_tx_rate);
        }))
      return r;
    if (auto r = step(c.spoofchk.has_value(), "spoofchk", [&] { v.spoofchk = *c.spoofchk; }))
      return r;
    if (auto r = step(c.link_state.has_value(), "state", [&] { v.link_state = *c.link_state; }))
      return r;
    if (auto r = step(c.query_rss.has_value(), "query_rss", [&] { v.rss_query_en = *c.query_rss; }))
      return r;
    if (auto r = step(c.trust.has_value(), "trust", [&] { v.trust = *c.trust; })) return r;
    return std::nullopt;
  }

  std::vector<Datagram> setlink(const nlmsghdr& h) {
    auto req = rtnl::parse_setlink_vf(&h);
    if (!req) return {ack(h, -EINVAL, "fake: undecodable RTM_SETLINK")};
    setlinks.push_back(*req);
    if (!kernel_) {
      for (const rtnl::VfChange& c : req->changes) {
        if (auto r = apply(c, true)) return {ack(h, -r->errnum, r->text)};
      }
    }
    for (const rtnl::VfChange& c : req->changes) {
      if (auto r = apply(c, false)) return {ack(h, -r->errnum, r->text)};
    }
    return {ack(h)};
  }

  bool kernel_;
  std::deque<Datagram> queue_;
};

}  // namespace sctest
