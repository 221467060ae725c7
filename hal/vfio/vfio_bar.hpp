#pragma once
// BAR0 register I/O of a VFIO device: the mapped BAR when vfio-pci allows mmap, else
// positioned reads and writes on the device fd.

#include <atomic>
#include <cstdint>
#include <string>

#include "hal/config_space.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "hal/pci_regs.hpp"
#include "hal/register_io.hpp"
#include "hal/vfio/device.hpp"
#include "hal/vfio/log_sink.hpp"

namespace hal::vfio {

/// RegisterIo over BAR0. A read of all-ones is checked once against config space: when the
/// Class Code/Revision ID dword reads all-ones too, the function is gone (surprise removal, or
/// its PF reset took the VF away); that is logged once, and from then on reads return all-ones
/// and writes are dropped without touching the device. An all-ones read from a live function
/// is returned as read.
///
/// Why not the vendor id: vfio-pci virtualizes the vendor and device ids of every function
/// (drivers/vfio/pci/vfio_pci_config.c, init_pci_cap_basic_perm: ALL_VIRT, since a VF's read
/// FFFFh in hardware), so through VFIO they never read FFFFh. Class Code and Revision ID are in
/// no permission table, so vfio-pci reads them from the device; a VF implements them too
/// (SR-IOV 3.4.1), and an 82599 function's class is 020000h, never all-ones.
///
/// Thread safety: as RegisterIo; the gone state is an atomic flag.
class VfioBar final : public RegisterIo {
 public:
  /// STATUS (PF) / VFSTATUS (VF): a read-only register both have at this offset; a read of it
  /// pushes posted writes to the device (PCIe ordering).
  static constexpr uint32_t kFlushOffset = ixgbe::pf::STATUS.offset;
  static_assert(ixgbe::pf::STATUS.offset == ixgbe::vf::VFSTATUS.offset,
                "one flush register for PF and VF BARs");
  /// The Revision ID/Class Code dword: the config dword the gone check reads (see above).
  static constexpr uint16_t kPresenceProbe = pci::kRevisionClass;

  /// Maps BAR0 of `dev` when the region has VFIO_REGION_INFO_FLAG_MMAP and mmap succeeds;
  /// otherwise (or when `allow_mmap` is false) uses pread/pwrite at the region's offset, which
  /// vfio-pci serves for every BAR. `dev` and `cfg` must outlive the BAR. `subject` names the
  /// function in the log line.
  VfioBar(const Device& dev, ConfigSpace& cfg, std::string subject, LogSink log,
          bool allow_mmap = true);
  VfioBar(const VfioBar&) = delete;
  VfioBar& operator=(const VfioBar&) = delete;
  /// Unmaps the BAR.
  ~VfioBar() override;

  uint32_t read32(uint32_t offset) override;
  void write32(uint32_t offset, uint32_t value) override;
  void flush() override { (void)read32(kFlushOffset); }

  /// True once the function was found gone.
  bool gone() const { return gone_.load(std::memory_order_acquire); }
  /// True when register accesses go through the mapping (false: pread/pwrite).
  bool mapped() const { return base_ != nullptr; }
  uint64_t size() const { return region_.size; }

 private:
  bool in_range(uint32_t offset) const { return offset % 4 == 0 && uint64_t{offset} + 4 <= region_.size; }
  uint32_t raw_read(uint32_t offset);
  void check_gone(uint32_t offset);

  SysOps* ops_;
  int fd_;
  Region region_;
  ConfigSpace* cfg_;
  std::string subject_;
  LogSink log_;
  volatile uint32_t* base_ = nullptr;
  std::atomic<bool> gone_{false};
};

}  // namespace hal::vfio
