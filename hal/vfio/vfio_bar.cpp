#include "hal/vfio/vfio_bar.hpp"

#include <fmt/format.h>

#include "hal/vfio/io_barrier.hpp"
#include "hal/vfio/sys_failure.hpp"

namespace hal::vfio {

VfioBar::VfioBar(const Device& dev, ConfigSpace& cfg, std::string subject, LogSink log,
                 bool allow_mmap)
    : ops_(&dev.ops()),
      fd_(dev.fd()),
      region_(dev.bar0()),
      cfg_(&cfg),
      subject_(std::move(subject)),
      log_(std::move(log)) {
  if (!allow_mmap || !region_.can_mmap()) return;
  int err = 0;
  void* p = ops_->mmap(fd_, region_.size, static_cast<off_t>(region_.offset), &err);
  if (p == nullptr) {
    // Not fatal: every register stays reachable through the fd, only slower.
    log_line(log_, fmt::format("{}: mmap of BAR0 failed ({}); registers go through pread/pwrite",
                               subject_, describe_errno(-err)));
    return;
  }
  base_ = static_cast<volatile uint32_t*>(p);
}

VfioBar::~VfioBar() {
  if (base_ != nullptr) ops_->munmap(const_cast<uint32_t*>(base_), region_.size);
}

uint32_t VfioBar::raw_read(uint32_t offset) {
  if (base_ != nullptr) {
    const uint32_t v = base_[offset / 4];
    io_rmb();  // as Linux's readl(): see io_barrier.hpp
    return v;
  }
  uint32_t v = kDeviceGone;
  const ssize_t n = ops_->pread(fd_, &v, sizeof v, static_cast<off_t>(region_.offset + offset));
  return n == static_cast<ssize_t>(sizeof v) ? v : kDeviceGone;
}

uint32_t VfioBar::read32(uint32_t offset) {
  if (gone_.load(std::memory_order_acquire) || !in_range(offset)) return kDeviceGone;
  const uint32_t v = raw_read(offset);
  if (v == kDeviceGone) [[unlikely]] check_gone(offset);
  return v;
}

void VfioBar::write32(uint32_t offset, uint32_t value) {
  if (gone_.load(std::memory_order_acquire) || !in_range(offset)) return;
  if (base_ != nullptr) {
    io_wmb();  // as Linux's writel(): see io_barrier.hpp
    base_[offset / 4] = value;
    return;
  }
  ops_->pwrite(fd_, &value, sizeof value, static_cast<off_t>(region_.offset + offset));
}

void VfioBar::check_gone(uint32_t offset) {
  // One config read, never a retry loop: a function that answers config cycles is present
  // and the all-ones was the register's value.
  if (cfg_->read32(kPresenceProbe) != kDeviceGone) return;
  if (gone_.exchange(true, std::memory_order_acq_rel)) return;
  log_line(log_, fmt::format("{}: device gone (surprise removal, or a PF reset took the VF "
                             "away): BAR0 offset {:#x} and config space read all-ones; no further "
                             "register access is made",
                             subject_, offset));
}

}  // namespace hal::vfio
