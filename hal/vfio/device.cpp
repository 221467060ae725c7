#include "hal/vfio/device.hpp"

#include <linux/vfio.h>

#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "hal/vfio/sys_failure.hpp"

namespace hal::vfio {

bool Region::can_mmap() const { return (flags & VFIO_REGION_INFO_FLAG_MMAP) != 0; }

namespace {

std::expected<Region, OpenError> region_info(const Fd& fd, uint32_t index,
                                             std::string_view subject) {
  vfio_region_info ri{};
  ri.argsz = sizeof ri;
  ri.index = index;
  const int rc = fd.ops().ioctl_ptr(fd.get(), VFIO_DEVICE_GET_REGION_INFO, &ri);
  if (rc < 0) {
    return std::unexpected(sys_failure(
        subject, fmt::format("VFIO_DEVICE_GET_REGION_INFO index {}", index), -rc, {}));
  }
  return Region{index, ri.flags, ri.size, ri.offset};
}

}  // namespace

std::expected<Device, OpenError> Device::describe(Fd fd, std::string_view subject) {
  Device d(std::move(fd));
  vfio_device_info info{};
  info.argsz = sizeof info;
  const int rc = d.ops().ioctl_ptr(d.fd(), VFIO_DEVICE_GET_INFO, &info);
  if (rc < 0) return std::unexpected(sys_failure(subject, "VFIO_DEVICE_GET_INFO", -rc, {}));
  if ((info.flags & VFIO_DEVICE_FLAGS_PCI) == 0 || info.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX) {
    return std::unexpected(OpenError{
        OpenFailure::kNotSupported,
        fmt::format("{}: VFIO does not describe it as a PCI device (flags {:#x}, {} regions)",
                    subject, info.flags, info.num_regions),
        "bind the function to vfio-pci (driverctl set-override BDF vfio-pci)"});
  }
  d.num_regions_ = info.num_regions;

  auto bar0 = region_info(d.fd_, VFIO_PCI_BAR0_REGION_INDEX, subject);
  if (!bar0) return std::unexpected(bar0.error());
  if (bar0->size == 0) {
    return std::unexpected(OpenError{
        OpenFailure::kNotSupported, fmt::format("{}: VFIO reports no BAR0", subject),
        "check the function is an 82599 with memory decoding possible (lspci -vv -s BDF)"});
  }
  d.bar0_ = *bar0;
  auto config = region_info(d.fd_, VFIO_PCI_CONFIG_REGION_INDEX, subject);
  if (!config) return std::unexpected(config.error());
  d.config_ = *config;

  if (info.num_irqs > VFIO_PCI_MSIX_IRQ_INDEX) {
    vfio_irq_info irq{};
    irq.argsz = sizeof irq;
    irq.index = VFIO_PCI_MSIX_IRQ_INDEX;
    const int irc = d.ops().ioctl_ptr(d.fd(), VFIO_DEVICE_GET_IRQ_INFO, &irq);
    if (irc < 0) {
      return std::unexpected(sys_failure(subject, "VFIO_DEVICE_GET_IRQ_INFO MSI-X", -irc, {}));
    }
    if ((irq.flags & VFIO_IRQ_INFO_EVENTFD) != 0) d.msix_count_ = irq.count;
  }
  if (info.num_irqs > VFIO_PCI_REQ_IRQ_INDEX) {
    vfio_irq_info irq{};
    irq.argsz = sizeof irq;
    irq.index = VFIO_PCI_REQ_IRQ_INDEX;
    const int irc = d.ops().ioctl_ptr(d.fd(), VFIO_DEVICE_GET_IRQ_INFO, &irq);
    if (irc < 0) {
      return std::unexpected(sys_failure(subject, "VFIO_DEVICE_GET_IRQ_INFO REQ", -irc, {}));
    }
    d.has_req_ = (irq.flags & VFIO_IRQ_INFO_EVENTFD) != 0 && irq.count == 1;
  }
  return d;
}

std::expected<void, OpenError> Device::set_vf_token(const VfToken& t, std::string_view subject) {
  // vfio_device_feature is followed by its data: the token's 16 bytes.
  alignas(vfio_device_feature) uint8_t buf[sizeof(vfio_device_feature) + 16] = {};
  vfio_device_feature hdr{};
  hdr.argsz = sizeof buf;
  hdr.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
  std::memcpy(buf, &hdr, sizeof hdr);
  std::memcpy(buf + sizeof hdr, t.bytes().data(), 16);
  const int rc = ops().ioctl_ptr(fd(), VFIO_DEVICE_FEATURE, buf);
  if (rc >= 0) return {};
  return std::unexpected(sys_failure(
      subject, "VFIO_DEVICE_FEATURE SET PCI_VF_TOKEN", -rc, {},
      "VF tokens need Linux 5.7 or later and a PF with an SR-IOV capability; without a token, "
      "leave --vf-token off and use VFs only from this process's host"));
}

int Device::set_irq_eventfds(uint32_t index, std::span<const int> eventfds) {
  std::vector<uint8_t> buf(sizeof(vfio_irq_set) + eventfds.size_bytes());
  vfio_irq_set set{};
  set.argsz = static_cast<uint32_t>(buf.size());
  set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
  set.index = index;
  set.start = 0;
  set.count = static_cast<uint32_t>(eventfds.size());
  std::memcpy(buf.data(), &set, sizeof set);
  std::memcpy(buf.data() + sizeof set, eventfds.data(), eventfds.size_bytes());
  const int rc = ops().ioctl_ptr(fd(), VFIO_DEVICE_SET_IRQS, buf.data());
  return rc < 0 ? rc : 0;
}

int Device::enable_msix(std::span<const int> eventfds) {
  return set_irq_eventfds(VFIO_PCI_MSIX_IRQ_INDEX, eventfds);
}

int Device::disable_msix() { return clear_irq(VFIO_PCI_MSIX_IRQ_INDEX); }

int Device::clear_irq(uint32_t index) {
  vfio_irq_set set{};
  set.argsz = sizeof set;
  set.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
  set.index = index;
  set.start = 0;
  set.count = 0;
  const int rc = ops().ioctl_ptr(fd(), VFIO_DEVICE_SET_IRQS, &set);
  return rc < 0 ? rc : 0;
}

}  // namespace hal::vfio
