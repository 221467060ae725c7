#pragma once
// Reading a whole file back in a test (logs, reports, fixtures).

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace testutil {

/// Every byte of the file at `path`; empty when it cannot be opened (the test's own checks
/// then fail on the missing text).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace testutil
