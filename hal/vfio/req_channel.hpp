#pragma once
// The device request channel of a VFIO device: the eventfd vfio-pci signals when the kernel
// wants the device back (the PF's sriov_numvfs set to 0 by its kernel driver, an unbind, a
// hot-unplug). vfio-pci then waits until the user closes the device fd; with no channel
// registered it only logs "No device request channel registered, blocked until released by
// user" and the unbind hangs, so a user must register one and act on it.

#include <expected>
#include <optional>
#include <string_view>

#include "hal/event_fd.hpp"
#include "hal/vfio/device.hpp"
#include "hal/vfio/open_error.hpp"

namespace hal::vfio {

class ReqChannel {
 public:
  /// One eventfd set on VFIO_PCI_REQ_IRQ_INDEX (DATA_EVENTFD|ACTION_TRIGGER, start 0, count 1,
  /// as vfio-pci takes it). No call and no fd when the device offers no request interrupt.
  /// `dev` must outlive the channel. Errors: kSystem.
  static std::expected<ReqChannel, OpenError> wire(Device& dev, std::string_view subject);

  ReqChannel(ReqChannel&& o) noexcept
      : dev_(o.dev_), fd_(std::move(o.fd_)), wired_(std::exchange(o.wired_, false)) {}
  ReqChannel& operator=(ReqChannel&&) = delete;
  /// Unregisters the trigger first (DATA_NONE, count 0), so the kernel drops its reference
  /// before the eventfd closes.
  ~ReqChannel();

  /// True once the kernel asked for the device (the eventfd has a pending signal; not drained,
  /// so every caller sees it). False without a channel.
  bool requested() const;
  /// The eventfd to poll, or -1 without a channel.
  int fd() const { return fd_ ? fd_->fd() : -1; }

 private:
  explicit ReqChannel(Device& dev) : dev_(&dev) {}
  Device* dev_;
  std::optional<EventFd> fd_;
  bool wired_ = false;
};

}  // namespace hal::vfio
