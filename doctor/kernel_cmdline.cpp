#include "doctor/kernel_cmdline.hpp"

#include <algorithm>

namespace doctor {

namespace {

std::string normalise(std::string_view key) {
  std::string k(key);
  std::replace(k.begin(), k.end(), '-', '_');
  return k;
}

}  // namespace

KernelCmdline KernelCmdline::parse(std::string_view line) {
  KernelCmdline c;
  size_t at = 0;
  while (at < line.size()) {
    while (at < line.size() && (line[at] == ' ' || line[at] == '\t' || line[at] == '\n')) ++at;
    if (at >= line.size()) break;
    // A double quote protects spaces inside a value: foo="a b".
    std::string word;
    bool quoted = false;
    for (; at < line.size(); ++at) {
      const char ch = line[at];
      if (ch == '"') {
        quoted = !quoted;
        continue;
      }
      if (!quoted && (ch == ' ' || ch == '\t' || ch == '\n')) break;
      word += ch;
    }
    if (word == "--") break;
    const size_t eq = word.find('=');
    if (eq == std::string::npos) {
      c.params_.emplace_back(normalise(word), std::nullopt);
    } else {
      c.params_.emplace_back(normalise(std::string_view(word).substr(0, eq)), word.substr(eq + 1));
    }
  }
  return c;
}

std::optional<std::string> KernelCmdline::get(std::string_view key) const {
  const std::string k = normalise(key);
  for (auto it = params_.rbegin(); it != params_.rend(); ++it) {
    if (it->first == k) return it->second.value_or("");
  }
  return std::nullopt;
}

bool KernelCmdline::has_word(std::string_view key, std::string_view word) const {
  const std::string k = normalise(key);
  for (const auto& [name, value] : params_) {
    if (name != k || !value) continue;
    std::string_view rest = *value;
    while (true) {
      const size_t comma = rest.find(',');
      if (rest.substr(0, comma) == word) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

std::vector<std::string> KernelCmdline::words() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : params_) out.push_back(value ? name + "=" + *value : name);
  return out;
}

}  // namespace doctor
