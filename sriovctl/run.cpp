#include "sriovctl/run.hpp"

#include <fmt/format.h>

#include "sriovctl/args.hpp"
#include "sriovctl/version.hpp"

namespace sriovctl {

int run(const Command& cmd, Env& env) {
  const GlobalOptions& o = cmd.options;
  struct Visitor {
    Env& env;
    const GlobalOptions& o;
    int operator()(const HelpCmd&) const {
      env.out << usage_text();
      return kExitOk;
    }
    int operator()(const VersionCmd&) const {
      env.out << fmt::format("sriovctl {}\n", kVersion);
      return kExitOk;
    }
    int operator()(const LinkShowCmd& c) const { return run_link_show(c, o, env); }
    int operator()(const LinkSetCmd& c) const { return run_link_set(c, env); }
    int operator()(const NumVfsCmd& c) const { return run_numvfs(c, env); }
    int operator()(const VfShowCmd& c) const { return run_vf_show(c, o, env); }
    int operator()(const EventsCmd& c) const { return run_events(c, o, env); }
    int operator()(const CaptureCmd& c) const { return run_capture(c, env); }
    int operator()(const GuestMacCmd& c) const { return run_guest(c, env); }
  };
  return std::visit(Visitor{env, o}, cmd.action);
}

}  // namespace sriovctl
