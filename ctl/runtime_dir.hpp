#pragma once
// Where daemons keep their sockets, locks and event logs.

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace ctl {

/// What a daemon's socket file name ends with.
inline constexpr std::string_view kSocketSuffix = ".sock";

/// $SRIOVKIT_RUNTIME_DIR when set and not empty, else /run/sriovkit.
std::string runtime_dir();
/// Empty when `name` is a valid daemon name (see kMaxNameLength); else why not, in words
/// ("name 'a/b': only letters, digits, '_', '.' and '-'").
std::string check_name(std::string_view name);
/// <runtime_dir>/<name>.sock, .lock, .events.log
std::string socket_path(std::string_view name);
std::string lock_path(std::string_view name);
std::string event_log_path(std::string_view name);
/// Names of the daemons whose sockets are in runtime_dir(), sorted (stale sockets included:
/// connecting tells). Empty when the directory does not exist.
std::vector<std::string> list_daemons();

}  // namespace ctl
