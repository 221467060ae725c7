#include "hal/vfio/req_channel.hpp"

#include <linux/vfio.h>

#include <chrono>

#include "hal/vfio/sys_failure.hpp"

namespace hal::vfio {

std::expected<ReqChannel, OpenError> ReqChannel::wire(Device& dev, std::string_view subject) {
  ReqChannel c(dev);
  if (!dev.has_req_irq()) return c;
  const int fd = dev.ops().eventfd();
  if (fd < 0) return std::unexpected(sys_failure(subject, "eventfd", -fd, {}));
  c.fd_.emplace(EventFd::adopt(fd));
  const int one[] = {fd};
  const int rc = dev.set_irq_eventfds(VFIO_PCI_REQ_IRQ_INDEX, one);
  if (rc < 0) {
    return std::unexpected(sys_failure(subject, "VFIO_DEVICE_SET_IRQS REQ (device request)", -rc, {}));
  }
  c.wired_ = true;
  return c;
}

ReqChannel::~ReqChannel() {
  if (wired_) dev_->clear_irq(VFIO_PCI_REQ_IRQ_INDEX);
}

bool ReqChannel::requested() const {
  return fd_ && fd_->wait(std::chrono::nanoseconds{0});
}

}  // namespace hal::vfio
