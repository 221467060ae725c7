#include "sriovctl/run_common.hpp"

#include <fmt/format.h>

#include <cstring>

#include "sriovctl/json_text.hpp"
#include "sriovctl/run.hpp"

namespace sriovctl {

std::string errno_name(int errnum) {
  const char* name = strerrorname_np(errnum);
  return name != nullptr ? std::string(name) : fmt::format("errno {}", errnum);
}

std::string reason_of(const rtnl::Error& e) {
  // The peer's text comes from another process: it reaches the terminal escaped.
  if (e.code != rtnl::ErrorCode::kRefused) {
    if (e.peer_message.empty()) return e.to_string();
    rtnl::Error shown = e;
    shown.peer_message = printable_text(e.peer_message);
    return shown.to_string();
  }
  const std::string text = e.peer_message.empty() ? std::string(std::strerror(e.errnum))
                                                  : printable_text(e.peer_message);
  return fmt::format("{} ({})", text, errno_name(e.errnum));
}

int fail(Env& env, std::string_view label, std::string_view what) {
  env.err << fmt::format("sriovctl: {}: {}\n", label, what);
  return kExitFailed;
}

std::expected<Opened, int> open_pf(std::string_view typed, Env& env) {
  auto target = resolve_pf(typed, env);
  if (!target) {
    env.err << fmt::format("sriovctl: {}\n", target.error());
    return std::unexpected(kExitFailed);
  }
  auto t = open_transport(*target, env);
  if (!t) return std::unexpected(fail(env, target->label(), t.error().to_string()));
  return Opened{std::move(*target), std::move(*t)};
}

namespace {
template <typename Json>
void print_any_json(Env& env, const Json& j, bool pretty) {
  // Text that is not UTF-8 (a daemon's reason could hold any byte) is replaced, not thrown on.
  env.out << j.dump(pretty ? 2 : -1, ' ', false, Json::error_handler_t::replace) << '\n';
}
}  // namespace

void print_json(Env& env, const nlohmann::json& j, bool pretty) { print_any_json(env, j, pretty); }
void print_json(Env& env, const nlohmann::ordered_json& j, bool pretty) {
  print_any_json(env, j, pretty);
}

}  // namespace sriovctl
