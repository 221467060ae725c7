#pragma once
// A fixture host tree (helper B's SysfsTree) plus the recording fake kernel, scripted to match
// it, and the expected VFIO call sequences of an open and a teardown.

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "hal/vfio/open.hpp"
#include "tests/vfio/recording_sys_ops.hpp"
#include "tests/vfio/sysfs_tree.hpp"

namespace vfio_test {

/// Which function a fixture opens.
enum class Situation {
  kPfOnVfio,     ///< X520 PF 0000:03:00.0 on vfio-pci, group 20
  kVfOfKernelPf, ///< VF 0000:03:10.0 on vfio-pci, group 21, PF on the kernel's ixgbe
  kVfOfVfioPf,   ///< VF 0000:03:10.0 on vfio-pci, group 21, PF on vfio-pci with a token set
};

inline constexpr std::string_view kPfToken = "5a0c4f8e-2b1d-4c3e-9f7a-0123456789ab";

struct OpenFixture {
  explicit OpenFixture(Situation s) : situation(s), tree(make_tree(s)), ops(tree.root().string(), script_for(s)) {}

  Situation situation;
  SysfsTree tree;
  RecordingSysOps ops;
  std::vector<std::string> log;

  std::string bdf() const { return std::string(situation == Situation::kPfOnVfio ? kPf : kVf0); }
  std::string group_node() const { return situation == Situation::kPfOnVfio ? "/dev/vfio/20" : "/dev/vfio/21"; }

  hal::vfio::OpenOptions options() {
    hal::vfio::OpenOptions o;
    o.bdf = bdf();
    o.root = tree.root();
    o.ops = &ops;
    o.log = [this](std::string_view line) { log.emplace_back(line); };
    return o;
  }
  std::expected<std::unique_ptr<hal::vfio::VfioFunction>, hal::vfio::OpenError> open() {
    return hal::vfio::open_function(options());
  }

  static SysfsTree make_tree(Situation s) {
    if (s == Situation::kPfOnVfio) return x520_pf_on_vfio(/*enable_sriov=*/true);
    if (s == Situation::kVfOfKernelPf) return x520_pf_with_vfs("vfio-pci");
    SysfsTree t = x520_pf_on_vfio(/*enable_sriov=*/true);
    t.add_vfs(std::string(kPf), {std::string(kVf0), std::string(kVf1)}, "vfio-pci", 21u);
    t.add_group_node(21);
    t.add_group_node(22);
    return t;
  }
  static KernelScript script_for(Situation s) {
    KernelScript k;
    if (s == Situation::kPfOnVfio) return k;
    k.is_vf = true;
    k.bar0_size = 0x4000;  // the 82599 VF's 16 KiB BAR0
    k.msix_count = 3;      // the 82599 VF's MSI-X table size
    k.device_id = 0x10ed;
    if (s == Situation::kVfOfVfioPf) {
      k.pf_on_vfio = true;
      k.token = std::string(kPfToken);
    }
    return k;
  }
};

/// The calls open_function() makes, in order, for `bdf_name` (as passed to GET_DEVICE_FD) in
/// group `node` with a BAR0 of `bar0_size` bytes (mapped) and `vectors` MSI-X vectors.
inline std::vector<std::string> expected_open(const std::string& node, const std::string& bdf_name,
                                              uint64_t bar0_size, unsigned vectors,
                                              const std::string& pf_token = {}) {
  std::vector<std::string> v = {
      "open /dev/vfio/vfio",
      "ioctl VFIO_GET_API_VERSION",
      "ioctl VFIO_CHECK_EXTENSION VFIO_TYPE1v2_IOMMU",
      "open " + node,
      "ioctl VFIO_GROUP_GET_STATUS",
      "ioctl VFIO_GROUP_SET_CONTAINER /dev/vfio/vfio",
      "ioctl VFIO_SET_IOMMU VFIO_TYPE1v2_IOMMU",
      "ioctl VFIO_GROUP_GET_DEVICE_FD " + bdf_name,
      "ioctl VFIO_DEVICE_GET_INFO",
      "ioctl VFIO_DEVICE_GET_REGION_INFO index=0",
      "ioctl VFIO_DEVICE_GET_REGION_INFO index=7",
      "ioctl VFIO_DEVICE_GET_IRQ_INFO index=2",
      "ioctl VFIO_DEVICE_GET_IRQ_INFO index=4",
      "pread region7 off=0x8 len=4",  // the presence check: class/revision
  };
  if (!pf_token.empty()) v.push_back("ioctl VFIO_DEVICE_FEATURE SET PCI_VF_TOKEN " + pf_token);
  v.push_back(fmt::format("mmap region0 len={:#x}", bar0_size));
  for (unsigned i = 0; i < vectors; ++i) v.push_back("eventfd");
  v.push_back(fmt::format("ioctl VFIO_DEVICE_SET_IRQS MSIX EVENTFD|TRIGGER start=0 count={}", vectors));
  v.push_back("eventfd");
  v.push_back("ioctl VFIO_DEVICE_SET_IRQS REQ EVENTFD|TRIGGER start=0 count=1");
  return v;
}

/// The calls opening one more function of a group this process holds already: the device
/// only, no container or group call.
inline std::vector<std::string> expected_open_in_held_group(const std::string& bdf_name,
                                                            uint64_t bar0_size, unsigned vectors) {
  auto v = expected_open("", bdf_name, bar0_size, vectors);
  v.erase(v.begin(), v.begin() + 7);  // container, group, SET_CONTAINER, SET_IOMMU
  return v;
}

/// The calls closing one function's device, before its DMA maps are released.
inline std::vector<std::string> expected_device_close(const std::string& bdf, uint64_t bar0_size) {
  return {
      "ioctl VFIO_DEVICE_SET_IRQS MSIX NONE|TRIGGER start=0 count=0",
      "ioctl VFIO_DEVICE_SET_IRQS REQ NONE|TRIGGER start=0 count=0",
      fmt::format("munmap region0 len={:#x}", bar0_size),
      "close device " + bdf,
  };
}

/// The calls the last function of a group makes after its device and DMA maps: the group out
/// of its container and closed, then the container.
inline std::vector<std::string> expected_group_close(const std::string& node) {
  return {"ioctl VFIO_GROUP_UNSET_CONTAINER", "close " + node, "close /dev/vfio/vfio"};
}

/// The calls destroying the only open function of its group makes when no DMA map is left.
inline std::vector<std::string> expected_teardown(const std::string& node, const std::string& bdf,
                                                  uint64_t bar0_size) {
  auto v = expected_device_close(bdf, bar0_size);
  for (auto& l : expected_group_close(node)) v.push_back(std::move(l));
  return v;
}

/// The calls recorded since `mark` (an earlier calls.size()).
inline std::vector<std::string> calls_since(const std::vector<std::string>& calls, size_t mark) {
  return {calls.begin() + static_cast<std::ptrdiff_t>(mark), calls.end()};
}

/// Page-aligned host memory for DMA maps, freed on destruction.
struct PageBuffer {
  explicit PageBuffer(size_t n) : len(n), p(static_cast<std::byte*>(std::aligned_alloc(4096, n))) {}
  ~PageBuffer() { std::free(p); }
  PageBuffer(const PageBuffer&) = delete;
  PageBuffer& operator=(const PageBuffer&) = delete;
  size_t len;
  std::byte* p;
};

}  // namespace vfio_test
