// `guest dev PF vf N mac MAC`: the built-in guest on a daemon's VF asks its PF for a MAC
// through the mailbox, as `ip link set dev eth0 address MAC` inside a VM would.

#include <fmt/format.h>

#include "ctl/client.hpp"
#include "sriovctl/run.hpp"
#include "sriovctl/run_common.hpp"

namespace sriovctl {

int run_guest(const GuestMacCmd& cmd, Env& env) {
  auto target = resolve_pf(cmd.dev, env);
  if (!target) {
    env.err << fmt::format("sriovctl: {}\n", target.error());
    return kExitFailed;
  }
  const std::string label = target->label();
  if (target->kind == PfKind::kKernel) {
    return fail(env, label,
                "guest: only a sriov-sim daemon has built-in guests (this is a kernel link; run "
                "`ip link set dev IFACE address MAC` inside the VM instead)");
  }
  auto t = open_transport(*target, env);
  if (!t) return fail(env, label, t.error().to_string());
  auto r =
      ctl::request(**t, ctl::kOpGuestMac, {{"vf", cmd.vf.value()}, {"mac", cmd.mac.to_string()}});
  if (r) return kExitOk;
  // The daemon's refusal names the VF and the request itself ("guest_mac vf 0: ...").
  if (r.error().code == rtnl::ErrorCode::kRefused) return fail(env, label, reason_of(r.error()));
  return fail(env, label,
              fmt::format("vf {} guest mac {}: {}", cmd.vf, cmd.mac, reason_of(r.error())));
}

}  // namespace sriovctl
