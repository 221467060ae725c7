// vfio-pci's device request interrupt: wired at open so the kernel can ask for the device back
// (a kernel PF disabling SR-IOV, an unbind), seen by the user, released at teardown.

#include <catch2/catch.hpp>

#include "hal/vfio/open.hpp"
#include "tests/vfio/open_fixture.hpp"

using vfio_test::OpenFixture;
using vfio_test::Situation;

TEST_CASE("request channel: wired at open, not requested until the kernel signals it",
          "[vfio][req]") {
  OpenFixture fx(Situation::kVfOfKernelPf);
  auto f = fx.open();
  REQUIRE(f.has_value());
  CHECK(fx.ops.count("ioctl VFIO_DEVICE_GET_IRQ_INFO index=4") == 1);
  CHECK(fx.ops.count("ioctl VFIO_DEVICE_SET_IRQS REQ EVENTFD|TRIGGER start=0 count=1") == 1);
  CHECK((*f)->release_request_fd() >= 0);
  CHECK_FALSE((*f)->release_requested());

  // The kernel PF driver writes sriov_numvfs = 0: vfio-pci relays the request.
  REQUIRE(fx.ops.request("0000:03:10.0"));
  CHECK((*f)->release_requested());
  CHECK((*f)->release_requested());  // not consumed: every poller sees it

  // The user answers by closing: the channel is released before its eventfd closes.
  f->reset();
  CHECK(fx.ops.count("ioctl VFIO_DEVICE_SET_IRQS REQ NONE|TRIGGER start=0 count=0") == 1);
  CHECK(fx.ops.leaks().empty());
}

TEST_CASE("request channel: a device without the request interrupt opens without one",
          "[vfio][req]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.script.req_irq = false;
  auto f = fx.open();
  REQUIRE(f.has_value());
  CHECK(fx.ops.count("ioctl VFIO_DEVICE_SET_IRQS REQ") == 0);
  CHECK((*f)->release_request_fd() == -1);
  CHECK_FALSE((*f)->release_requested());
  f->reset();
  CHECK(fx.ops.leaks().empty());
}

TEST_CASE("request channel: refused by the kernel is kSystem, MSI-X undone, nothing left",
          "[vfio][req]") {
  OpenFixture fx(Situation::kVfOfKernelPf);
  fx.ops.fail("ioctl VFIO_DEVICE_SET_IRQS REQ EVENTFD", EINVAL);
  auto f = fx.open();
  REQUIRE_FALSE(f.has_value());
  CHECK(f.error().failure == hal::vfio::OpenFailure::kSystem);
  CHECK(f.error().what.find("REQ") != std::string::npos);
  CHECK(fx.ops.count("ioctl VFIO_DEVICE_SET_IRQS MSIX NONE") == 1);
  CHECK(fx.ops.leaks().empty());
}
