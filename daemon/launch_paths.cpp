#include "daemon/launch_paths.hpp"

#include <array>
#include <filesystem>
#include <system_error>

namespace simd {

std::string absolute_path(std::string_view path) {
  if (path.empty() || path.front() == '/') return std::string(path);
  std::error_code ec;
  const std::filesystem::path abs = std::filesystem::absolute(std::filesystem::path(path), ec);
  if (ec) return std::string(path);
  return abs.lexically_normal().string();
}

namespace {

bool names_file(std::string_view driver, std::string_view key) {
  constexpr std::array<std::string_view, 4> kFileKeys{"rx_pcap", "tx_pcap", "rx_tx_pcap", "path"};
  for (std::string_view k : kFileKeys) {
    if (key == k) return true;
  }
  return key == "iface" && driver.starts_with("net_vhost");
}

}  // namespace

std::string absolute_wire_paths(std::string_view devargs) {
  const size_t comma = devargs.find(',');
  if (comma == std::string_view::npos) return std::string(devargs);
  const std::string_view driver = devargs.substr(0, comma);
  std::string out(driver);
  std::string_view rest = devargs.substr(comma + 1);
  while (true) {
    const size_t next = rest.find(',');
    const std::string_view arg = rest.substr(0, next);
    out += ',';
    const size_t eq = arg.find('=');
    if (eq != std::string_view::npos && names_file(driver, arg.substr(0, eq))) {
      out += arg.substr(0, eq + 1);
      out += absolute_path(arg.substr(eq + 1));
    } else {
      out += arg;
    }
    if (next == std::string_view::npos) break;
    rest = rest.substr(next + 1);
  }
  return out;
}

}  // namespace simd
