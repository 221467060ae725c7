// `vf show dev PF vf N`: a daemon's whole view of one VF ("vf_show"), or, for a kernel PF,
// what rtnetlink reports (the rest lives in the PF driver's debug interfaces).

#include <fmt/format.h>

#include <algorithm>

#include "ctl/client.hpp"
#include "netlink/link_ops.hpp"
#include "sriovctl/format_link.hpp"
#include "sriovctl/json_text.hpp"
#include "sriovctl/run.hpp"
#include "sriovctl/run_common.hpp"

namespace sriovctl {
namespace {

constexpr std::string_view kKernelNote =
    "rtnetlink reports only the settings and counters above; the mailbox state, queues and "
    "reset history need the PF driver's debug interfaces";

int show_kernel_vf(rtnl::Transport& t, const Target& pf, const VfShowCmd& cmd,
                   const GlobalOptions& o, Env& env) {
  auto link = rtnl::get_link(t, pf.name, rtnl::GetLinkOptions{.vfs = true, .vf_stats = true});
  if (!link) return fail(env, pf.label(), link.error().to_string());
  const auto it = std::find_if(link->vfs.begin(), link->vfs.end(),
                               [&](const rtnl::VfInfo& v) { return v.vf == cmd.vf; });
  if (it == link->vfs.end()) {
    return fail(env, pf.label(),
                fmt::format("no vf {} (the PF reports {} VF(s))", cmd.vf, link->vfs.size()));
  }
  if (o.json) {
    nlohmann::ordered_json j = vf_to_json(*it, link->type, true);
    j["ifname"] = pf.label();
    j["note"] = kKernelNote;
    print_json(env, j, o.pretty);
    return kExitOk;
  }
  env.out << fmt::format("{} vf {}\n{}\n    ({})\n", pf.label(), cmd.vf,
                         format_vf_text(*it, link->type, true), kKernelNote);
  return kExitOk;
}

}  // namespace

int run_vf_show(const VfShowCmd& cmd, const GlobalOptions& o, Env& env) {
  auto pf = open_pf(cmd.dev, env);
  if (!pf) return pf.error();
  if (pf->target.kind == PfKind::kKernel) {
    return show_kernel_vf(*pf->transport, pf->target, cmd, o, env);
  }
  auto r = ctl::request(*pf->transport, ctl::kOpVfShow, {{"vf", cmd.vf.value()}});
  if (!r)
    return fail(env, pf->target.label(), fmt::format("vf {}: {}", cmd.vf, reason_of(r.error())));
  if (o.json) {
    print_json(env, *r, o.pretty);
    return kExitOk;
  }
  env.out << fmt::format("{} vf {}\n", pf->target.label(), cmd.vf);
  env.out << json_to_text(*r, 2,
                          {"admin", "negotiated", "last_reset", "mailbox", "stats", "guest"});
  return kExitOk;
}

}  // namespace sriovctl
