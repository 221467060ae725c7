// hugepages: DPDK on a VF and hugepage-backed guests need reserved hugepages. Not needed by a
// kernel VF driver, so their absence is a warning.

#include <fmt/format.h>

#include "doctor/checks.hpp"

namespace doctor {

Check check_hugepages(const Host&, Probe p) {
  const std::string root = "/sys/kernel/mm/hugepages";
  const auto sizes = p.list(root);
  if (sizes.empty()) {
    return std::move(p).warn("the kernel offers no hugepages (" + root + " is missing)",
                             "use a kernel with CONFIG_HUGETLBFS");
  }
  int64_t reserved = 0, free = 0;
  std::vector<std::string> per_size;
  std::string example = sizes.front();
  for (const auto& size : sizes) {
    const int64_t nr = p.integer(root + "/" + size + "/nr_hugepages").value_or(0);
    const int64_t fr = p.integer(root + "/" + size + "/free_hugepages").value_or(0);
    reserved += nr;
    free += fr;
    const std::string label = size.starts_with("hugepages-") ? size.substr(10) : size;
    per_size.push_back(fmt::format("{}: {} reserved, {} free", label, nr, fr));
    if (size == "hugepages-2048kB") example = size;
  }
  const std::string summary = join_words(per_size, "; ");
  if (reserved == 0) {
    return std::move(p).warn(
        "no hugepages are reserved: DPDK on the VFs and hugepage-backed VMs cannot start",
        fmt::format("reserve some: echo 1024 > {}/{}/nr_hugepages, or boot with hugepages=1024 "
                    "(1 GiB pages: default_hugepagesz=1G hugepagesz=1G hugepages=N)",
                    root, example));
  }
  if (free == 0) {
    return std::move(p).warn("every reserved hugepage is in use (" + summary + ")",
                             "raise nr_hugepages or stop what holds them");
  }
  return std::move(p).pass(summary);
}

}  // namespace doctor
