// `link set dev PF vf N SETTING... [vf N SETTING...]...`: one RTM_SETLINK for the whole
// command. A daemon applies it all or nothing; against the kernel, sriovctl undoes what a
// refused request left applied (rollback.hpp).

#include <fmt/format.h>

#include <cerrno>

#include "netlink/link_ops.hpp"
#include "sriovctl/rollback.hpp"
#include "sriovctl/run.hpp"
#include "sriovctl/run_common.hpp"

namespace sriovctl {
namespace {

constexpr rtnl::GetLinkOptions kNoStats{.vfs = true, .vf_stats = false};

std::string describe_changes(const std::vector<rtnl::VfChange>& changes) {
  std::vector<std::string> parts;
  for (const rtnl::VfChange& c : changes) {
    for (Setting s : settings_of(c))
      parts.push_back(fmt::format("vf {} {}", c.vf, setting_name(s, c)));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

int report_refusal(Env& env, const std::string& label, const rtnl::Error& e,
                   const std::optional<SettingRef>& refused,
                   const std::vector<rtnl::VfChange>& changes) {
  if (!refused) return fail(env, label, reason_of(e));
  const auto it = std::find_if(changes.begin(), changes.end(),
                               [&](const rtnl::VfChange& c) { return c.vf == refused->vf; });
  return fail(
      env, label,
      fmt::format("vf {} {}: {}", refused->vf, setting_name(refused->setting, *it), reason_of(e)));
}

// The kernel's refusal of a request it did not start on, with what to do about EPERM.
int report_whole_refusal(Env& env, const std::string& label, const rtnl::Error& e) {
  if (e.errnum == EPERM) {
    return fail(env, label, fmt::format("{}; needs CAP_NET_ADMIN: run as root", reason_of(e)));
  }
  return fail(env, label, reason_of(e));
}

// The kernel stops at the first refusal: read what it left, name the refused setting, put
// back what changed.
int set_on_kernel(rtnl::Transport& t, const Target& pf, const LinkSetCmd& cmd, Env& env) {
  const std::string label = pf.label();
  auto before = rtnl::get_link(t, pf.name, kNoStats);
  if (!before) return fail(env, label, before.error().to_string());
  auto sent = rtnl::set_vf(t, pf.name, cmd.changes);
  if (sent) return kExitOk;
  if (sent.error().code != rtnl::ErrorCode::kRefused) {
    return fail(env, label, sent.error().to_string());
  }
  auto after = rtnl::get_link(t, pf.name, kNoStats);
  if (!after) {
    fail(env, label, reason_of(sent.error()));
    return fail(env, label,
                fmt::format("could not read the VFs back to undo what was applied before the "
                            "refusal: {}",
                            after.error().to_string()));
  }
  const std::vector<rtnl::VfChange> undo = restore_changes(cmd.changes, *before, *after);
  // Nothing changed and an errno that refuses the request itself (no CAP_NET_ADMIN, say):
  // the first setting "not taking" says nothing about that setting.
  if (undo.empty() && refuses_whole_request(sent.error().errnum)) {
    return report_whole_refusal(env, label, sent.error());
  }
  const auto refused = refused_setting(cmd.changes, *before, *after, true);
  const int rc = report_refusal(env, label, sent.error(), refused, cmd.changes);
  if (undo.empty()) return rc;
  // A second RTM_SETLINK reached the PF: say so, whichever way it went.
  if (auto back = rtnl::set_vf(t, pf.name, undo); !back) {
    fail(env, label,
         fmt::format("could not undo {} (applied before the refusal): {}", describe_changes(undo),
                     reason_of(back.error())));
  } else {
    fail(env, label, fmt::format("undid {} (applied before the refusal)", describe_changes(undo)));
  }
  return rc;
}

}  // namespace

int run_link_set(const LinkSetCmd& cmd, Env& env) {
  auto pf = open_pf(cmd.dev, env);
  if (!pf) return pf.error();
  if (pf->target.kind == PfKind::kKernel)
    return set_on_kernel(*pf->transport, pf->target, cmd, env);
  auto sent = rtnl::set_vf(*pf->transport, pf->target.name, cmd.changes);
  if (sent) return kExitOk;
  if (sent.error().code != rtnl::ErrorCode::kRefused) {
    return fail(env, pf->target.label(), sent.error().to_string());
  }
  // The daemon applies all or nothing and its reason already names the VF and the setting
  // ("vf 3 vlan: ..."), so it is printed as it came.
  return fail(env, pf->target.label(), reason_of(sent.error()));
}

}  // namespace sriovctl
