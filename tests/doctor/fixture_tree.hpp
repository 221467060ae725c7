#pragma once
// Where the committed fixture trees are, and a writable copy of one for variations.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace doctor_test {

/// tests/doctor/fixtures/`name`, found next to this header so the tests run from any directory.
inline std::filesystem::path fixture(std::string_view name) {
  return std::filesystem::path(__FILE__).parent_path() / "fixtures" / name;
}

/// A private directory tree a test may change, removed when the test ends: a copy of a fixture
/// (links copied as links), or empty when no fixture is named.
class ScratchTree {
 public:
  explicit ScratchTree(std::string_view fixture_name = {}) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sriov-doctor-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    if (fixture_name.empty()) return;
    std::filesystem::copy(
        fixture(fixture_name), dir_,
        std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
  }
  ~ScratchTree() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ScratchTree(const ScratchTree&) = delete;
  ScratchTree& operator=(const ScratchTree&) = delete;

  const std::filesystem::path& root() const { return dir_; }

  /// Replaces (or creates) the file at `path`, an absolute path inside the host.
  void write(std::string_view path, std::string_view content) const {
    const auto at = host(path);
    std::filesystem::create_directories(at.parent_path());
    std::filesystem::remove(at);
    std::ofstream(at, std::ios::binary) << content;
  }
  /// Removes a file, link or whole directory.
  void remove(std::string_view path) const { std::filesystem::remove_all(host(path)); }
  /// Makes `path` a symbolic link to `target`, stored as given.
  void link(std::string_view path, std::string_view target) const {
    const auto at = host(path);
    std::filesystem::create_directories(at.parent_path());
    std::filesystem::remove(at);
    std::filesystem::create_symlink(std::string(target), at);
  }
  std::filesystem::path host(std::string_view path) const {
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    return dir_ / path;
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace doctor_test
