// `link show [dev PF]`

#include <fmt/format.h>

#include <cerrno>

#include "netlink/link_ops.hpp"
#include "sriovctl/format_link.hpp"
#include "sriovctl/run.hpp"
#include "sriovctl/run_common.hpp"

namespace sriovctl {
namespace {

struct Shown {
  rtnl::LinkInfo link;
  std::string label;
};

rtnl::GetLinkOptions options_for(const GlobalOptions& o) {
  return rtnl::GetLinkOptions{.vfs = true, .vf_stats = o.stats};
}

void print_links(const std::vector<Shown>& links, const GlobalOptions& o, Env& env) {
  if (o.json) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const Shown& s : links) all.push_back(link_to_json(s.link, s.label, o.stats));
    print_json(env, all, o.pretty);
    return;
  }
  for (const Shown& s : links) env.out << format_link_text(s.link, s.label, o.stats);
}

// A daemon's PF is the link named as the daemon.
std::expected<rtnl::LinkInfo, rtnl::Error> daemon_link(rtnl::Transport& t, const std::string& name,
                                                       const GlobalOptions& o) {
  return rtnl::get_link(t, std::string(name), options_for(o));
}

// Every kernel link, then every daemon's PF. A stale socket (a daemon that died) is noted but
// is not a failure: listing is about what is there.
int show_all(const GlobalOptions& o, Env& env) {
  int rc = kExitOk;
  std::vector<Shown> links;
  auto kernel = env.open_kernel();
  auto dump = kernel ? rtnl::dump_links(**kernel, options_for(o))
                     : std::expected<std::vector<rtnl::LinkInfo>, rtnl::Error>(
                           std::unexpected(kernel.error()));
  if (dump) {
    for (rtnl::LinkInfo& l : *dump) links.push_back(Shown{std::move(l), std::string()});
    for (Shown& s : links) s.label = s.link.name;
  } else {
    rc = fail(env, "kernel", dump.error().to_string());
  }
  for (const std::string& name : env.list_daemons()) {
    const std::string label = daemon_label(name);
    auto t = env.connect_daemon(name);
    if (!t && t.error().errnum == ECONNREFUSED) {
      fail(env, label, fmt::format("skipped: {}", t.error().to_string()));
      continue;
    }
    auto link = t ? daemon_link(**t, name, o)
                  : std::expected<rtnl::LinkInfo, rtnl::Error>(std::unexpected(t.error()));
    if (!link) {
      rc = fail(env, label, link.error().to_string());
      continue;
    }
    links.push_back(Shown{std::move(*link), label});
  }
  print_links(links, o, env);
  return rc;
}

}  // namespace

int run_link_show(const LinkShowCmd& cmd, const GlobalOptions& o, Env& env) {
  if (!cmd.dev) return show_all(o, env);
  auto pf = open_pf(*cmd.dev, env);
  if (!pf) return pf.error();
  const std::string label = pf->target.label();
  auto link = rtnl::get_link(*pf->transport, pf->target.name, options_for(o));
  if (!link) return fail(env, label, link.error().to_string());
  print_links({Shown{std::move(*link), label}}, o, env);
  return kExitOk;
}

}  // namespace sriovctl
