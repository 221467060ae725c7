// numa: a VF's users (a VM's vCPUs and memory, a DPDK process and its hugepages) belong on the
// node the PF's slot is attached to; crossing the interconnect costs latency and bandwidth.

#include <fmt/format.h>

#include "doctor/checks.hpp"

namespace doctor {

namespace {

bool is_node_dir(const std::string& name) {
  return name.size() > 4 && name.starts_with("node") &&
         name.find_first_not_of("0123456789", 4) == std::string::npos;
}

}  // namespace

std::optional<Check> check_numa(const Host& h, const PciDevice& pf, Probe p) {
  const std::string nodes_dir = "/sys/devices/system/node";
  p.line(nodes_dir + "/online");
  size_t nodes = 0;
  for (const auto& n : h.fs().list(nodes_dir)) nodes += is_node_dir(n);
  p.note("{}: {} node(s)", nodes_dir, nodes);
  const auto node = p.integer(pf.sysfs() + "/numa_node");
  if (nodes <= 1) {
    return std::move(p).pass("single NUMA node: every CPU and hugepage is local to the PF");
  }
  if (!node || *node < 0) {
    return std::move(p).warn(
        fmt::format("the firmware gives no NUMA node for the PF on this {}-node host", nodes),
        "find the socket the slot is wired to (lstopo, or the board's manual) and pin the VFs' "
        "users there; a firmware update may add the missing ACPI proximity information");
  }
  const auto cpus = p.line(pf.sysfs() + "/local_cpulist");
  int64_t host_pages = 0, node_pages = 0;
  for (const auto& size : h.fs().list("/sys/kernel/mm/hugepages")) {
    host_pages += h.fs().read_int("/sys/kernel/mm/hugepages/" + size + "/nr_hugepages").value_or(0);
  }
  const std::string node_hp = fmt::format("{}/node{}/hugepages", nodes_dir, *node);
  for (const auto& size : h.fs().list(node_hp)) {
    node_pages += p.integer(node_hp + "/" + size + "/nr_hugepages").value_or(0);
  }
  if (host_pages > 0 && node_pages == 0) {
    return std::move(p).warn(
        fmt::format("the PF is on node {} but every reserved hugepage is on another node", *node),
        fmt::format("reserve hugepages on node {0}: echo 1024 > "
                    "{1}/node{0}/hugepages/hugepages-2048kB/nr_hugepages",
                    *node, nodes_dir));
  }
  return std::move(p).pass(fmt::format(
      "the PF is on node {} (CPUs {}){}: pin its VFs' users there", *node, cpus.value_or("unknown"),
      node_pages > 0 ? fmt::format(", {} hugepages reserved there", node_pages) : std::string()));
}

}  // namespace doctor
