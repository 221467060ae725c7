// The recording fake itself: what leaks() must report, so a teardown test cannot pass on a
// teardown the kernel would have had to clean up after.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/vfio.h>

#include <cstring>

#include "tests/vfio/recording_sys_ops.hpp"

using vfio_test::RecordingSysOps;

namespace {

bool any_contains(const std::vector<std::string>& lines, std::string_view part) {
  for (const auto& l : lines) {
    if (l.find(part) != std::string::npos) return true;
  }
  return false;
}

/// Container, group 20 in it, IOMMU set, device 0000:03:00.0: the fds.
struct Opened {
  int container, group, device;
};

Opened open_device(RecordingSysOps& ops) {
  Opened o{};
  o.container = ops.open("/dev/vfio/vfio", O_RDWR);
  o.group = ops.open("/dev/vfio/20", O_RDWR);
  int c = o.container;
  REQUIRE(ops.ioctl_ptr(o.group, VFIO_GROUP_SET_CONTAINER, &c) == 0);
  REQUIRE(ops.ioctl_int(o.container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0);
  char name[] = "0000:03:00.0";
  o.device = ops.ioctl_ptr(o.group, VFIO_GROUP_GET_DEVICE_FD, name);
  REQUIRE(o.device >= 0);
  return o;
}

}  // namespace

TEST_CASE("recording fake: a group closed without UNSET_CONTAINER is a leak", "[vfio][fake]") {
  RecordingSysOps ops;
  const Opened o = open_device(ops);
  ops.close(o.device);
  ops.close(o.group);  // no VFIO_GROUP_UNSET_CONTAINER first
  ops.close(o.container);
  CHECK(any_contains(ops.leaks(), "closed while in its container"));
}

TEST_CASE("recording fake: a group opened twice is EBUSY, as the kernel's", "[vfio][fake]") {
  RecordingSysOps ops;
  const int a = ops.open("/dev/vfio/20", O_RDWR);
  REQUIRE(a >= 0);
  CHECK(ops.open("/dev/vfio/20", O_RDWR) == -EBUSY);
  ops.close(a);
  const int b = ops.open("/dev/vfio/20", O_RDWR);
  CHECK(b >= 0);
  ops.close(b);
}

TEST_CASE("recording fake: MSI-X turned off after its eventfds closed is reported", "[vfio][fake]") {
  RecordingSysOps ops;
  const Opened o = open_device(ops);
  const int efd = ops.eventfd();
  REQUIRE(efd >= 0);
  std::vector<uint8_t> buf(sizeof(vfio_irq_set) + sizeof(int32_t));
  vfio_irq_set set{};
  set.argsz = static_cast<uint32_t>(buf.size());
  set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
  set.index = VFIO_PCI_MSIX_IRQ_INDEX;
  set.count = 1;
  std::memcpy(buf.data(), &set, sizeof set);
  std::memcpy(buf.data() + sizeof set, &efd, sizeof efd);
  REQUIRE(ops.ioctl_ptr(o.device, VFIO_DEVICE_SET_IRQS, buf.data()) == 0);

  ::close(efd);  // the wrong order: the eventfd before MSI-X off
  vfio_irq_set off{};
  off.argsz = sizeof off;
  off.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
  off.index = VFIO_PCI_MSIX_IRQ_INDEX;
  REQUIRE(ops.ioctl_ptr(o.device, VFIO_DEVICE_SET_IRQS, &off) == 0);
  ops.close(o.device);
  ops.ioctl_int(o.group, VFIO_GROUP_UNSET_CONTAINER, 0);
  ops.close(o.group);
  ops.close(o.container);
  CHECK(any_contains(ops.leaks(), "turned off after its eventfd"));
}
