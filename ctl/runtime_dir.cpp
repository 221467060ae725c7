#include "ctl/runtime_dir.hpp"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "ctl/protocol.hpp"

namespace ctl {
namespace {

constexpr std::string_view kDefaultRuntimeDir = "/run/sriovkit";

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

std::string in_runtime_dir(std::string_view name, std::string_view suffix) {
  return fmt::format("{}/{}{}", runtime_dir(), name, suffix);
}

}  // namespace

std::string runtime_dir() {
  const char* env = std::getenv("SRIOVKIT_RUNTIME_DIR");
  if (env != nullptr && *env != '\0') return env;
  return std::string(kDefaultRuntimeDir);
}

std::string check_name(std::string_view name) {
  if (name.empty()) return "the name is empty";
  if (name.size() > kMaxNameLength) {
    return fmt::format("name '{}': {} characters, at most {} (it is also the PF's link name)", name,
                       name.size(), kMaxNameLength);
  }
  if (!std::all_of(name.begin(), name.end(), name_char)) {
    return fmt::format("name '{}': only letters, digits, '_', '.' and '-'", name);
  }
  // Both would name the directory itself or its parent in the socket's path.
  if (name == "." || name == "..") return fmt::format("name '{}': not a name", name);
  return {};
}

std::string socket_path(std::string_view name) { return in_runtime_dir(name, kSocketSuffix); }
std::string lock_path(std::string_view name) { return in_runtime_dir(name, ".lock"); }
std::string event_log_path(std::string_view name) { return in_runtime_dir(name, ".events.log"); }

std::vector<std::string> list_daemons() {
  const std::string dir = runtime_dir();
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  std::vector<std::string> names;
  if (!d) return names;
  while (const dirent* e = readdir(d.get())) {
    const std::string_view file = e->d_name;
    if (file.size() <= kSocketSuffix.size() || !file.ends_with(kSocketSuffix)) continue;
    const std::string_view name = file.substr(0, file.size() - kSocketSuffix.size());
    if (!check_name(name).empty()) continue;
    // d_type is DT_UNKNOWN on some file systems; lstat settles it.
    struct stat st {};
    const std::string path = fmt::format("{}/{}", dir, file);
    if (lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace ctl
