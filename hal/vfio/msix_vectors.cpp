#include "hal/vfio/msix_vectors.hpp"

#include <fmt/format.h>

#include "hal/vfio/sys_failure.hpp"

namespace hal::vfio {

std::expected<MsixVectors, OpenError> MsixVectors::wire(Device& dev, std::string_view subject) {
  MsixVectors v(dev);
  const uint32_t n = dev.msix_count();
  if (n == 0) return v;
  v.fds_.reserve(n);
  std::vector<int> raw;
  raw.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    const int fd = dev.ops().eventfd();
    if (fd < 0) return std::unexpected(sys_failure(subject, "eventfd", -fd, {}));
    v.fds_.push_back(EventFd::adopt(fd));
    raw.push_back(fd);
  }
  const int rc = dev.enable_msix(raw);
  if (rc < 0) {
    return std::unexpected(sys_failure(
        subject, fmt::format("VFIO_DEVICE_SET_IRQS MSI-X ({} vectors)", n), -rc, {}));
  }
  v.enabled_ = true;
  return v;
}

MsixVectors::~MsixVectors() {
  if (enabled_) dev_->disable_msix();
}

}  // namespace hal::vfio
