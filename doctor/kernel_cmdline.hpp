#pragma once
// The kernel command line (/proc/cmdline) as parameters.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace doctor {

/// Parameters in order of appearance. Names are compared with '-' and '_' alike, as the kernel
/// does; parsing stops at "--", after which words belong to init.
class KernelCmdline {
 public:
  static KernelCmdline parse(std::string_view line);

  /// The value of the last `key=value` (the one the kernel keeps); "" for a bare `key`;
  /// nullopt when absent.
  std::optional<std::string> get(std::string_view key) const;
  /// True when `key`'s value, a comma-separated list, contains `word`: "intel_iommu=on,sm_on"
  /// has "on". Every occurrence of `key` counts, since options such as pci= accumulate.
  bool has_word(std::string_view key, std::string_view word) const;
  /// The words found, "key=value" or "key", in order.
  std::vector<std::string> words() const;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> params_;
};

}  // namespace doctor
