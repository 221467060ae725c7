#pragma once
// Read-only access to a host's /sys, /proc, /dev and /lib/modules below a root directory, so the
// same checks run against the live host ("/") and against a fixture tree.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace doctor {

/// A filesystem view rooted at a directory, as chroot would show it. Every path argument is an
/// absolute path inside the view ("/sys/bus/pci/devices"). Symbolic links are followed inside
/// the view: an absolute target starts again at the root and ".." stops at the root, so a fixture
/// tree never reads outside itself. Nothing here writes. Thread safety: const and stateless.
class Fs {
 public:
  /// `root` is used as given; "/" for the live host.
  explicit Fs(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }

  /// `path` with every symbolic link followed, as an absolute path inside the view;
  /// nullopt when a component is missing or links nest deeper than 40 (a loop).
  std::optional<std::string> resolve(std::string_view path) const;

  /// True when `path` names something (after following links).
  bool exists(std::string_view path) const;
  bool is_dir(std::string_view path) const;

  /// The whole file as text, at most `max_bytes`; nullopt when missing or unreadable.
  std::optional<std::string> read_text(std::string_view path, size_t max_bytes = 1 << 20) const;
  /// The first line with trailing white space removed (sysfs attributes are one line).
  std::optional<std::string> read_line(std::string_view path) const;
  /// The first line as an integer (decimal, or hex with 0x); nullopt when missing or not a number.
  std::optional<int64_t> read_int(std::string_view path) const;
  /// Up to `max_bytes` raw bytes (a PCI function's `config`).
  std::optional<std::vector<uint8_t>> read_bytes(std::string_view path, size_t max_bytes) const;

  /// Entry names of a directory, sorted; empty when it is missing (git keeps no empty
  /// directories, so a fixture cannot tell "missing" from "empty" either).
  std::vector<std::string> list(std::string_view path) const;

  /// The target of the symbolic link `path` as stored (not followed); nullopt when `path` is
  /// not a link. For `driver` and `iommu_group` links only the last component matters.
  std::optional<std::string> link_target(std::string_view path) const;
  /// The last component of a link's target: the driver's or the group's name.
  std::optional<std::string> link_name(std::string_view path) const;

 private:
  std::filesystem::path host_path(std::string_view resolved) const;

  std::filesystem::path root_;
};

}  // namespace doctor
