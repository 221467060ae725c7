#include "tools/trace_out.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace tools {

std::expected<std::shared_ptr<TraceOut>, std::string> TraceOut::open(const std::string& path) {
  if (path.empty() || path == "-") return std::shared_ptr<TraceOut>(new TraceOut(nullptr));
  std::FILE* f = std::fopen(path.c_str(), "we");
  if (f == nullptr) {
    return std::unexpected(
        fmt::format("--trace-registers: cannot write {}: {}", path, std::strerror(errno)));
  }
  return std::shared_ptr<TraceOut>(new TraceOut(f));
}

TraceOut::~TraceOut() {
  if (owned_ != nullptr) std::fclose(owned_);
}

void TraceOut::line(std::string_view text) {
  std::FILE* f = owned_ != nullptr ? owned_ : stdout;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fputc('\n', f);
}

}  // namespace tools
