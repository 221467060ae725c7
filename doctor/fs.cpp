#include "doctor/fs.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <fstream>
#include <iterator>
#include <system_error>

namespace doctor {

namespace {

// Linux gives up after 40 nested links (ELOOP); a looping fixture must end the same way.
constexpr int kMaxLinks = 40;

std::deque<std::string> split(std::string_view path) {
  std::deque<std::string> parts;
  size_t at = 0;
  while (at <= path.size()) {
    const size_t slash = std::min(path.find('/', at), path.size());
    if (slash > at) parts.emplace_back(path.substr(at, slash - at));
    at = slash + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts) {
  if (parts.empty()) return "/";
  std::string out;
  for (const auto& p : parts) {
    out += '/';
    out += p;
  }
  return out;
}

std::pair<std::string_view, std::string_view> split_last(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {"/", path};
  return {slash == 0 ? std::string_view("/") : path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

Fs::Fs(std::filesystem::path root) : root_(std::move(root)) {}

std::filesystem::path Fs::host_path(std::string_view resolved) const {
  while (!resolved.empty() && resolved.front() == '/') resolved.remove_prefix(1);
  return resolved.empty() ? root_ : root_ / resolved;
}

std::optional<std::string> Fs::resolve(std::string_view path) const {
  std::vector<std::string> done;
  std::deque<std::string> todo = split(path);
  int links = 0;
  while (!todo.empty()) {
    std::string part = std::move(todo.front());
    todo.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      // ".." of the root is the root, as in a chroot.
      if (!done.empty()) done.pop_back();
      continue;
    }
    done.push_back(std::move(part));
    const auto at = host_path(join(done));
    std::error_code ec;
    const auto st = std::filesystem::symlink_status(at, ec);
    if (ec || st.type() == std::filesystem::file_type::not_found) return std::nullopt;
    if (st.type() != std::filesystem::file_type::symlink) continue;
    if (++links > kMaxLinks) return std::nullopt;
    const std::string target = std::filesystem::read_symlink(at, ec).string();
    if (ec) return std::nullopt;
    done.pop_back();
    if (!target.empty() && target.front() == '/') done.clear();
    auto parts = split(target);
    todo.insert(todo.begin(), std::make_move_iterator(parts.begin()),
                std::make_move_iterator(parts.end()));
  }
  return join(done);
}

bool Fs::exists(std::string_view path) const { return resolve(path).has_value(); }

bool Fs::is_dir(std::string_view path) const {
  const auto r = resolve(path);
  std::error_code ec;
  return r && std::filesystem::is_directory(host_path(*r), ec);
}

std::optional<std::string> Fs::read_text(std::string_view path, size_t max_bytes) const {
  auto bytes = read_bytes(path, max_bytes);
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

std::optional<std::string> Fs::read_line(std::string_view path) const {
  auto text = read_text(path, 64 * 1024);
  if (!text) return std::nullopt;
  if (const size_t nl = text->find('\n'); nl != std::string::npos) text->resize(nl);
  while (!text->empty() && (text->back() == ' ' || text->back() == '\t' || text->back() == '\r')) {
    text->pop_back();
  }
  return text;
}

std::optional<int64_t> Fs::read_int(std::string_view path) const {
  const auto line = read_line(path);
  if (!line) return std::nullopt;
  std::string_view s = *line;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return negative ? -v : v;
}

std::optional<std::vector<uint8_t>> Fs::read_bytes(std::string_view path, size_t max_bytes) const {
  const auto r = resolve(path);
  if (!r) return std::nullopt;
  std::ifstream in(host_path(*r), std::ios::binary);
  if (!in) return std::nullopt;
  // sysfs reports a size that need not match the content, so read until end of file, in chunks
  // so that a generous limit costs nothing for a small file.
  constexpr size_t kChunk = 64 * 1024;
  std::vector<uint8_t> out;
  while (out.size() < max_bytes) {
    const size_t want = std::min(kChunk, max_bytes - out.size());
    const size_t had = out.size();
    out.resize(had + want);
    in.read(reinterpret_cast<char*>(out.data() + had), static_cast<std::streamsize>(want));
    out.resize(had + static_cast<size_t>(in.gcount()));
    if (in.bad()) return std::nullopt;
    if (!in) break;
  }
  return out;
}

std::vector<std::string> Fs::list(std::string_view path) const {
  std::vector<std::string> names;
  const auto r = resolve(path);
  if (!r) return names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(host_path(*r), ec), end; !ec && it != end;
       it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string> Fs::link_target(std::string_view path) const {
  const auto [dir, name] = split_last(path);
  const auto rdir = resolve(dir);
  if (!rdir || name.empty()) return std::nullopt;
  const auto at = host_path(*rdir) / name;
  std::error_code ec;
  if (!std::filesystem::is_symlink(std::filesystem::symlink_status(at, ec)) || ec)
    return std::nullopt;
  auto target = std::filesystem::read_symlink(at, ec);
  if (ec) return std::nullopt;
  return target.string();
}

std::optional<std::string> Fs::link_name(std::string_view path) const {
  const auto target = link_target(path);
  if (!target) return std::nullopt;
  const std::string_view name = split_last(*target).second;
  if (name.empty()) return std::nullopt;
  return std::string(name);
}

}  // namespace doctor
