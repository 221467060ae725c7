// `link set dev PF vf N SETTING... [vf N SETTING...]...`

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "sriovctl/args_parts.hpp"
#include "sriovctl/args_values.hpp"

namespace sriovctl {
namespace {

constexpr uint64_t kMaxRate = std::numeric_limits<uint32_t>::max();  // Mb/s, a u32 on the wire

// What one `vf N` group has seen besides its VfChange: which words set the max rate and
// whether qos/proto came with the vlan.
struct Group {
  rtnl::VfChange change;
  bool qos_given = false;
  bool proto_given = false;
};

UsageError twice(std::string_view word, const Group& g) {
  return UsageError{fmt::format("given twice for vf {}", g.change.vf), std::string(word)};
}

// `vlan VID [qos Q] [proto P]`: qos and proto belong to the vlan they follow.
std::expected<void, UsageError> parse_vlan(Cursor& c, Group& g) {
  auto vid = expect_number(c, "vlan", kMaxVlanId);
  if (!vid) return std::unexpected(vid.error());
  rtnl::VfVlan vlan{.vid = static_cast<uint16_t>(*vid)};
  for (;;) {
    if (c.peek() == "qos" && !g.qos_given) {
      c.next();
      auto qos = expect_number(c, "qos", kMaxQos);
      if (!qos) return std::unexpected(qos.error());
      vlan.qos = static_cast<uint8_t>(*qos);
      g.qos_given = true;
    } else if (c.peek() == "proto" && !g.proto_given) {
      c.next();
      auto proto = expect_vlan_proto(c);
      if (!proto) return std::unexpected(proto.error());
      vlan.proto = *proto;
      g.proto_given = true;
    } else {
      break;
    }
  }
  g.change.vlan = vlan;
  return {};
}

std::expected<void, UsageError> parse_rate(Cursor& c, std::string_view word,
                                           std::optional<uint32_t>& field) {
  auto r = expect_number(c, word, kMaxRate);
  if (!r) return std::unexpected(r.error());
  field = static_cast<uint32_t>(*r);
  return {};
}

template <typename T, typename Reader>
std::expected<void, UsageError> parse_once(Cursor& c, std::string_view word, const Group& g,
                                           std::optional<T>& field, Reader read) {
  if (field) return std::unexpected(twice(word, g));
  auto v = read(c);
  if (!v) return std::unexpected(v.error());
  field = *v;
  return {};
}

// One SETTING; `word` is already taken.
std::expected<void, UsageError> parse_setting(Cursor& c, std::string_view word, Group& g) {
  rtnl::VfChange& ch = g.change;
  const auto on_off = [word](Cursor& cc) { return expect_on_off(cc, word); };
  if (word == "mac") return parse_once(c, word, g, ch.mac, expect_mac);
  if (word == "vlan") {
    if (ch.vlan) return std::unexpected(twice(word, g));
    return parse_vlan(c, g);
  }
  if (word == "qos" || word == "proto") {
    if ((word == "qos" && g.qos_given) || (word == "proto" && g.proto_given)) {
      return std::unexpected(twice(word, g));
    }
    return std::unexpected(
        UsageError{fmt::format("{} must directly follow vlan VID", word), std::string(word)});
  }
  if (word == "rate" || word == "max_tx_rate") {
    // ip's `rate` is the old single limit: the same maximum as max_tx_rate.
    if (ch.max_tx_rate) {
      return std::unexpected(UsageError{
          fmt::format("max rate given twice for vf {} (rate and max_tx_rate set the same)", ch.vf),
          std::string(word)});
    }
    return parse_rate(c, word, ch.max_tx_rate);
  }
  if (word == "min_tx_rate") {
    if (ch.min_tx_rate) return std::unexpected(twice(word, g));
    return parse_rate(c, word, ch.min_tx_rate);
  }
  if (word == "spoofchk") return parse_once(c, word, g, ch.spoofchk, on_off);
  if (word == "trust") return parse_once(c, word, g, ch.trust, on_off);
  if (word == "query_rss") return parse_once(c, word, g, ch.query_rss, on_off);
  if (word == "state") return parse_once(c, word, g, ch.link_state, expect_link_state);
  return std::unexpected(UsageError{
      "unknown VF setting (mac, vlan, rate, max_tx_rate, min_tx_rate, spoofchk, trust, state, "
      "query_rss)",
      std::string(word)});
}

// `vf N SETTING...`; `vf` is already taken.
std::expected<rtnl::VfChange, UsageError> parse_group(Cursor& c,
                                                      const std::vector<rtnl::VfChange>& before) {
  const std::string_view index_token = c.peek();
  auto vf = expect_vf_index(c);
  if (!vf) return std::unexpected(vf.error());
  if (std::any_of(before.begin(), before.end(), [&](const auto& b) { return b.vf == *vf; })) {
    return std::unexpected(UsageError{fmt::format("vf {} given twice (one group per VF)", *vf),
                                      std::string(index_token)});
  }
  Group g;
  g.change.vf = *vf;
  while (!c.done() && c.peek() != "vf") {
    const std::string_view word = c.next();
    if (auto ok = parse_setting(c, word, g); !ok) return std::unexpected(ok.error());
  }
  if (g.change.empty()) {
    return std::unexpected(
        UsageError{fmt::format("vf {} has no setting", *vf), std::string(index_token)});
  }
  return g.change;
}

}  // namespace

std::expected<LinkSetCmd, UsageError> parse_link_set(Cursor& c) {
  if (c.peek() == "dev") c.next();  // `ip link set eth0 ...` names it without `dev`, too
  auto pf = expect_pf(c);
  if (!pf) return std::unexpected(pf.error());
  LinkSetCmd cmd{.dev = std::move(*pf), .changes = {}};
  if (c.done()) {
    return std::unexpected(UsageError{"link set needs vf N SETTING...", c.prev()});
  }
  while (!c.done()) {
    const std::string_view word = c.next();
    if (word != "vf") {
      return std::unexpected(UsageError{"expected 'vf N SETTING...' here", std::string(word)});
    }
    auto group = parse_group(c, cmd.changes);
    if (!group) return std::unexpected(group.error());
    cmd.changes.push_back(std::move(*group));
  }
  return cmd;
}

}  // namespace sriovctl
