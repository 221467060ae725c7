#pragma once
// The function's MSI-X vectors wired to eventfds, undone (MSI-X disabled) on destruction.

#include <expected>
#include <vector>

#include "hal/event_fd.hpp"
#include "hal/vfio/device.hpp"
#include "hal/vfio/open_error.hpp"

namespace hal::vfio {

class MsixVectors {
 public:
  /// One eventfd per MSI-X vector of `dev` (all of them, as vfio-pci enables MSI-X as a set),
  /// handed to the kernel in one VFIO_DEVICE_SET_IRQS. `dev` must outlive the vectors.
  /// No vectors and no call when the device has no MSI-X. Errors: kSystem.
  static std::expected<MsixVectors, OpenError> wire(Device& dev, std::string_view subject);

  MsixVectors(MsixVectors&& o) noexcept
      : dev_(o.dev_), fds_(std::move(o.fds_)), enabled_(std::exchange(o.enabled_, false)) {}
  MsixVectors& operator=(MsixVectors&&) = delete;
  /// MSI-X off first, so the kernel stops signalling the eventfds before they close.
  ~MsixVectors();

  size_t size() const { return fds_.size(); }
  const EventFd& operator[](size_t i) const { return fds_[i]; }

 private:
  explicit MsixVectors(Device& dev) : dev_(&dev) {}
  Device* dev_;
  std::vector<EventFd> fds_;
  bool enabled_ = false;
};

}  // namespace hal::vfio
