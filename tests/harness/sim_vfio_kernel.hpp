#pragma once
// A fake Linux kernel that serves the simulated 82599 as VFIO devices, so the VFIO backend
// (hal/vfio) and HwHost run in CI exactly as on a host with an X520, down to the register
// accesses: the PF and its VFs as vfio-pci devices in a fixture sysfs tree (helper B's
// SysfsTree), the VFIO container/group/device ioctls with the uapi structures of
// <linux/vfio.h>, BAR0 and config space through pread/pwrite on the device fd (BAR0 is offered
// without VFIO_REGION_INFO_FLAG_MMAP, so every register access runs the simulation's handler),
// DMA maps into the simulated functions' IOMMU tables, MSI-X through real eventfds, and
// `echo n > sriov_numvfs` enabling VFs through the PF's SR-IOV capability as the PCI core does.
//
// What it follows, and where from (Linux):
//   - drivers/vfio/vfio_main.c / group.c / container.c: a group opens once at a time (EBUSY),
//     joins a container only when viable (EPERM), the IOMMU model is set after a group joined
//     (EINVAL before), a device fd needs a container with an IOMMU (EINVAL), a group leaves
//     its container only with no device fd open (EBUSY).
//   - drivers/vfio/vfio_iommu_type1.c: maps are READ|WRITE, page-aligned (EINVAL), never
//     overlap (EEXIST); v2 refuses an unmap that splits a mapping (EINVAL); unmap reports the
//     bytes unmapped in `size`.
//   - drivers/vfio/pci/vfio_pci_core.c, vfio_pci_validate_vf_token(): a VF of a vfio-pci PF
//     opens only with the PF's token ("VF token required" / "Incorrect VF token": EACCES); a
//     VF of another PF driver refuses a token (EINVAL); a PF whose VFs are open needs the token
//     (EACCES), otherwise a token given with the PF sets it. VFIO_DEVICE_FEATURE PCI_VF_TOKEN
//     is SET-only (EINVAL for GET) and PF-only (ENOTTY on a VF).
//   - drivers/vfio/pci/vfio_pci_config.c: vendor and device ids are virtualized (a VF's read
//     FFFFh in hardware; vfio-pci shows the ids the kernel knows), so they never read all-ones
//     even when the device is gone; the rest of config space passes through. The SR-IOV
//     capability is not writable by the user (VFs come through sysfs).
//   - drivers/pci/iov.c sriov_numvfs_store() and vfio_pci_sriov_configure(): ERANGE above
//     sriov_totalvfs, the same count is a no-op, a second non-zero count is EBUSY, a driver
//     that cannot create VFs (vfio-pci without enable_sriov) is ENOENT. New VFs of a vfio-pci
//     PF are bound to vfio-pci (driver_override by vfio-pci's bus notifier).
//
//   - drivers/vfio/pci/vfio_pci_core.c, vfio_pci_core_request(): when the kernel wants a device
//     back (its PF's driver disables SR-IOV, an unbind) vfio-pci signals the user's request
//     eventfd (VFIO_PCI_REQ_IRQ_INDEX, one trigger) and waits for the device fd to close; with
//     none registered it logs "No device request channel registered, blocked until released
//     by user" and waits all the same.
//
// Where it is simpler than the kernel: BAR0 takes 32-bit accesses only (the 82599's registers
// are 32 bits; a narrower access to a clear-on-read register has effects the simulation does
// not model); BARs other than BAR0 report size 0; disabling VFs whose device fds are open
// signals each open VF's request channel and then returns EBUSY instead of blocking (one
// thread cannot wait for itself): the caller closes its VFs and writes again; MSI-X enable is
// not mirrored into the simulated config space (the simulation signals vectors regardless).
//
// Single-threaded: the test's thread makes every call, pump() included.

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hal/clock.hpp"
#include "hal/pci_function.hpp"
#include "hal/sim/device.hpp"
#include "hal/vfio/sys_ops.hpp"
#include "tests/vfio/sysfs_tree.hpp"

namespace sim_vfio {

/// How the host around the simulated card is set up.
struct SimVfioConfig {
  /// The PF's IOMMU group; VF i is in group first_vf_group + i (ACS below the root port: one
  /// group per function).
  unsigned pf_group = 20;
  unsigned first_vf_group = 21;
  /// No ACS above the card: the PF and every VF in pf_group (/dev/vfio/<pf_group> only).
  bool one_group = false;
  /// The PF's driver: "vfio-pci" (PF mode: our PF driver through VFIO) or "ixgbe" (VF mode:
  /// the kernel's PF driver, played by our PfDriver on kernel_pf()).
  std::string pf_driver = "vfio-pci";
  /// The driver new VFs are bound to ("vfio-pci": autoprobe with vfio-pci's driver_override,
  /// or the administrator's rebinding after ixgbe made them).
  std::string vf_driver = "vfio-pci";
  /// vfio-pci's enable_sriov module parameter.
  bool enable_sriov = true;
  unsigned total_vfs = 63;
};

class SimVfioKernel final : public hal::vfio::SysOps {
 public:
  /// Populates `tree` (empty) as an Intel host with VT-d and vfio-pci loaded, the root port
  /// 0000:00:01.0 and the device's PF at its address (bus from the device's config, 00.0)
  /// bound to cfg.pf_driver, with /dev/vfio/<pf_group> when that is vfio-pci. `dev` and
  /// `tree` must outlive the kernel.
  SimVfioKernel(sim::Device82599& dev, vfio_test::SysfsTree& tree, SimVfioConfig cfg = {});
  ~SimVfioKernel() override;
  SimVfioKernel(const SimVfioKernel&) = delete;
  SimVfioKernel& operator=(const SimVfioKernel&) = delete;

  /// "0000:03:00.0".
  const std::string& pf_bdf() const { return pf_bdf_; }
  /// The VFs sysfs lists now, in VF order.
  const std::vector<std::string>& vf_bdfs() const { return vf_bdfs_; }
  /// The PF as a kernel driver (Linux ixgbe) holds it: the simulated PF, except that
  /// set_sriov_num_vfs() is pci_enable_sriov()/pci_disable_sriov(), which also creates or
  /// removes the VFs' sysfs entries. For VF mode, where our PfDriver plays ixgbe.
  hal::PciFunction& kernel_pf();

  /// Relays every vector the simulation signalled on a function whose device fd has MSI-X
  /// eventfds set to the user's eventfd, as the kernel's interrupt handler does. Returns the
  /// signals relayed.
  uint64_t pump();
  /// The card stops answering: BAR0 reads all-ones and drops writes, config space reads
  /// all-ones except what vfio-pci virtualizes (vendor and device ids).
  void surprise_remove() { removed_ = true; }
  /// vfio-pci asks the user of `bdf`'s open device for it back (an unbind or hot-unplug
  /// started): its request eventfd is signalled, or the kernel's warning logged when none is
  /// registered. False when no device fd of that function is open.
  bool request_device_back(const std::string& bdf);

  /// What is not released: open fds (container, group, device, sysfs), DMA maps (live, or
  /// dropped only because their container went away), MSI-X left enabled (open, or at a
  /// device fd's close), a group still in its container. Empty after a complete teardown.
  std::vector<std::string> leaks() const;
  size_t open_fds() const;
  size_t dma_maps() const;
  /// Devices whose MSI-X eventfds are set now.
  size_t irqs_enabled() const;
  /// Devices whose request channel (VFIO_PCI_REQ_IRQ_INDEX) is set now.
  size_t requests_registered() const;
  /// The PF's VF token as vfio-pci holds it (canonical text), if one was set.
  std::optional<std::string> pf_token() const;
  /// One line per refusal the kernel would log (dmesg), and per sysfs write served.
  const std::vector<std::string>& log() const { return log_; }

  // --- SysOps -------------------------------------------------------------------------------
  int open(const std::string& path, int flags) override;
  int close(int fd) override;
  int ioctl_ptr(int fd, unsigned long request, void* arg) override;
  int ioctl_int(int fd, unsigned long request, unsigned long arg) override;
  ssize_t pread(int fd, void* buf, size_t len, off_t offset) override;
  ssize_t pwrite(int fd, const void* buf, size_t len, off_t offset) override;
  void* mmap(int fd, size_t len, off_t offset, int* err) override;
  int munmap(void* addr, size_t len) override;
  int eventfd() override;

  /// pci_enable_sriov()/pci_disable_sriov() with the VFs' sysfs entries: what both the
  /// sriov_numvfs store and kernel_pf() end in. 0 or -errno.
  int configure_vfs(unsigned n);

 private:
  struct DmaMap {
    uint64_t size;
    uint64_t vaddr;
  };
  struct Container {
    std::set<int> groups;  // group fds in it
    bool iommu = false;
    bool user_closed = false;  // alive while a group is still in it, as in the kernel
    std::map<uint64_t, DmaMap> maps;
  };
  struct Group {
    unsigned number;
    int container = -1;
  };
  struct Device {
    std::string bdf;
    int group_fd;
    int index;  // -1 the PF, else the VF number
    hal::PciFunction* fn;
    std::vector<int> irq_fds;  // the kernel's references (dups) to the user's eventfds
    int req_fd = -1;           // the kernel's reference to the request channel's eventfd
  };
  /// One function of an IOMMU group.
  struct Member {
    int index;  // -1 the PF, else the VF number
    hal::PciFunction* fn;
    std::string bdf;
  };
  struct File {
    std::string host;
    bool numvfs;
  };

  unsigned vf_group(unsigned vf) const { return cfg_.one_group ? cfg_.pf_group : cfg_.first_vf_group + vf; }
  std::vector<Member> members_of_group(unsigned group) const;
  bool group_viable(unsigned group) const;
  void map_into(const Container& c, unsigned group, bool map);
  static void map_into_function(const Container& c, hal::PciFunction& fn, bool map);
  int set_req(Device& d, uint32_t flags, uint32_t start, uint32_t count, const void* data);
  /// vfio-pci's request to the users of the open VFs: their request eventfds signalled (or
  /// the kernel's warning when one has none).
  void request_vfs_back();
  void relay_request(Device& d);
  void detach(int group_fd);
  int get_device_fd(int group_fd, const char* arg);
  int region_info(Device& d, void* arg);
  int irq_info(Device& d, void* arg);
  int set_irqs(Device& d, void* arg);
  int feature(Device& d, void* arg);
  int map_dma(Container& c, void* arg);
  int unmap_dma(Container& c, void* arg);
  ssize_t device_access(Device& d, void* buf, size_t len, off_t offset, bool write);
  ssize_t config_access(Device& d, uint8_t* buf, size_t len, uint32_t at, bool write);
  ssize_t store_numvfs(const std::string& text);
  void drop_irqs(Device& d);
  unsigned vf_users() const;
  std::string dmesg(const std::string& line);

  sim::Device82599& dev_;
  vfio_test::SysfsTree& tree_;
  SimVfioConfig cfg_;
  std::string root_;
  std::string pf_bdf_;
  std::string pf_numvfs_;  // canonical host path of the PF's sriov_numvfs
  uint16_t sriov_at_ = 0;  // the PF's SR-IOV capability in config space
  std::vector<std::string> vf_bdfs_;
  std::unique_ptr<hal::PciFunction> kernel_pf_;
  std::optional<std::array<uint8_t, 16>> token_;
  bool removed_ = false;

  int next_fd_ = 5000;  // far from real fds: eventfds are real
  std::map<int, Container> containers_;
  std::map<int, Group> groups_;
  std::map<int, Device> devices_;
  std::map<int, File> files_;
  std::vector<std::string> released_;  // what the kernel had to release on a close
  std::vector<std::string> log_;
};

/// A simulated 82599 at 0000:03:00.0 on a ManualClock, a fixture tree and the kernel serving
/// them: what a test of the VFIO backend or of HwHost starts from. Members are declared in
/// dependency order (the kernel uses the device and the tree, the device the clock).
struct SimVfioRig {
  explicit SimVfioRig(SimVfioConfig cfg = {})
      : dev(sim::Device82599::create(sim::DeviceConfig{.bus = 3, .clock = &clock})),
        kernel(*dev, tree, std::move(cfg)) {}
  hal::ManualClock clock;
  std::unique_ptr<sim::Device82599> dev;
  vfio_test::SysfsTree tree;
  SimVfioKernel kernel;
};

}  // namespace sim_vfio
