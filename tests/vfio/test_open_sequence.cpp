// The VFIO calls open_function() makes and destruction undoes, in order, checked against the
// recording fake kernel.

#include <catch2/catch.hpp>

#include "hal/vfio/open.hpp"
#include "tests/vfio/open_fixture.hpp"

using hal::vfio::Role;
using hal::vfio::VfToken;
using vfio_test::expected_open;
using vfio_test::expected_teardown;
using vfio_test::OpenFixture;
using vfio_test::Situation;

TEST_CASE("PF open makes the VFIO calls in the kernel's order and teardown undoes them",
          "[vfio][open]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = fx.open();
  REQUIRE(f.has_value());
  CHECK(fx.ops.calls == expected_open("/dev/vfio/20", "0000:03:00.0", 0x20000, 64));

  hal::vfio::VfioFunction& fn = **f;
  CHECK(fn.role() == Role::kPf);
  CHECK(fn.bdf() == "0000:03:00.0");
  CHECK(fn.name() == "vfio:0000:03:00.0");
  CHECK(fn.num_vectors() == 64);
  CHECK_FALSE(fn.gone());

  const size_t mark = fx.ops.calls.size();
  f->reset();
  CHECK(vfio_test::calls_since(fx.ops.calls, mark) == expected_teardown("/dev/vfio/20", "0000:03:00.0", 0x20000));
  CHECK(fx.ops.leaks().empty());
}

TEST_CASE("open touches no device register", "[vfio][open]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.bar0[0x8 / 4] = 0x1234;
  auto f = fx.open();
  REQUIRE(f.has_value());
  CHECK(fx.ops.count("pread region0") == 0);
  CHECK(fx.ops.count("pwrite") == 0);
  // Registers are reached through the mapping, which is the fake's memory.
  CHECK((*f)->bar0().read32(0x8) == 0x1234);
  (*f)->bar0().write32(0x10, 0xCAFE);
  CHECK(fx.ops.bar0[0x10 / 4] == 0xCAFE);
}

TEST_CASE("PF open with a VF token presents it and sets it on the open device", "[vfio][open]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto o = fx.options();
  o.vf_token = VfToken::parse(vfio_test::kPfToken);
  auto f = hal::vfio::open_function(o);
  REQUIRE(f.has_value());
  const std::string tok(vfio_test::kPfToken);
  CHECK(fx.ops.calls ==
        expected_open("/dev/vfio/20", "0000:03:00.0 vf_token=" + tok, 0x20000, 64, tok));
  CHECK(fx.ops.script.token == tok);
  f->reset();
  CHECK(fx.ops.leaks().empty());
}

TEST_CASE("VF of a kernel PF opens by its address alone, even when a token is given",
          "[vfio][open]") {
  OpenFixture fx(Situation::kVfOfKernelPf);
  auto o = fx.options();
  // vfio-pci answers EINVAL to a token for a VF whose PF it does not drive.
  o.vf_token = VfToken::parse(vfio_test::kPfToken);
  auto f = hal::vfio::open_function(o);
  REQUIRE(f.has_value());
  CHECK(fx.ops.calls == expected_open("/dev/vfio/21", "0000:03:10.0", 0x4000, 3));
  CHECK((*f)->role() == Role::kVf);
  CHECK((*f)->num_vectors() == 3);
  CHECK((*f)->vf_addresses().empty());

  const size_t mark = fx.ops.calls.size();
  f->reset();
  CHECK(vfio_test::calls_since(fx.ops.calls, mark) == expected_teardown("/dev/vfio/21", "0000:03:10.0", 0x4000));
  CHECK(fx.ops.leaks().empty());
}

TEST_CASE("VF of a vfio-pci PF presents the PF's token in the device name", "[vfio][open]") {
  OpenFixture fx(Situation::kVfOfVfioPf);
  auto o = fx.options();
  o.vf_token = VfToken::parse(vfio_test::kPfToken);
  auto f = hal::vfio::open_function(o);
  REQUIRE(f.has_value());
  CHECK(fx.ops.calls == expected_open("/dev/vfio/21",
                                      "0000:03:10.0 vf_token=" + std::string(vfio_test::kPfToken),
                                      0x4000, 3));
  f->reset();
  CHECK(fx.ops.leaks().empty());
}

TEST_CASE("teardown: MSI-X and the request channel off, BAR0 unmapped, device closed, then DMA "
          "unmapped, then group and container", "[vfio][open]") {
  // DMA maps go only once the device fd is closed: until then the device may still
  // bus-master into them.
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = fx.open();
  REQUIRE(f.has_value());
  vfio_test::PageBuffer a(0x2000), b(0x4000);
  REQUIRE((*f)->dma().map(hal::Iova(0x100000), a.p, a.len).has_value());
  REQUIRE((*f)->dma().map(hal::Iova(0x200000), b.p, b.len).has_value());
  CHECK(fx.ops.dma_maps().size() == 2);

  const size_t mark = fx.ops.calls.size();
  f->reset();
  std::vector<std::string> want = vfio_test::expected_device_close("0000:03:00.0", 0x20000);
  want.push_back("ioctl VFIO_IOMMU_UNMAP_DMA iova=0x200000 size=0x4000");
  want.push_back("ioctl VFIO_IOMMU_UNMAP_DMA iova=0x100000 size=0x2000");
  for (const auto& l : vfio_test::expected_group_close("/dev/vfio/20")) want.push_back(l);
  CHECK(vfio_test::calls_since(fx.ops.calls, mark) == want);
  CHECK(fx.ops.leaks().empty());
}

TEST_CASE("MSI-X vectors are the eventfds the kernel signals", "[vfio][open]") {
  OpenFixture fx(Situation::kVfOfKernelPf);
  auto f = fx.open();
  REQUIRE(f.has_value());
  REQUIRE(fx.ops.msix_fds().size() == 3);
  for (size_t i = 0; i < 3; ++i) CHECK((*f)->vector(i).fd() == fx.ops.msix_fds()[i]);
  fx.ops.fire(1);
  CHECK((*f)->vector(1).drain() == 1);
  CHECK((*f)->vector(0).drain() == 0);
  CHECK((*f)->vector(2).drain() == 0);
}

TEST_CASE("a group without the type1v2 model falls back to type1", "[vfio][open]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.script.type1v2 = false;
  auto f = fx.open();
  REQUIRE(f.has_value());
  CHECK(fx.ops.count("ioctl VFIO_CHECK_EXTENSION VFIO_TYPE1v2_IOMMU") == 1);
  CHECK(fx.ops.count("ioctl VFIO_CHECK_EXTENSION VFIO_TYPE1_IOMMU") == 1);
  CHECK(fx.ops.count("ioctl VFIO_SET_IOMMU VFIO_TYPE1_IOMMU") == 1);
}

TEST_CASE("a BAR0 without mmap is reached through pread and pwrite", "[vfio][open]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.script.bar0_mmap = false;
  auto f = fx.open();
  REQUIRE(f.has_value());
  CHECK(fx.ops.count("mmap") == 0);
  f->reset();
  CHECK(fx.ops.count("munmap") == 0);
  CHECK(fx.ops.leaks().empty());
}

TEST_CASE("PF: sriov_numvfs goes through sysfs and vf_addresses re-reads virtfnN",
          "[vfio][open]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = fx.open();
  REQUIRE(f.has_value());
  CHECK((*f)->vf_addresses().empty());

  fx.ops.clear_calls();
  REQUIRE((*f)->set_sriov_num_vfs(2).has_value());
  const std::string attr = "/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs";
  CHECK(fx.ops.count("open " + attr) == 1);
  CHECK(fx.ops.count("pwrite " + attr + " \"2\"") == 1);
  CHECK(fx.ops.count("ioctl") == 0);  // not through config space: vfio-pci would drop it

  // The kernel creates the VFs; the PF sees them on the next call.
  fx.tree.add_vfs(std::string(vfio_test::kPf),
                  {std::string(vfio_test::kVf0), std::string(vfio_test::kVf1)}, std::nullopt, 21u);
  CHECK((*f)->vf_addresses() ==
        std::vector<std::string>{std::string(vfio_test::kVf0), std::string(vfio_test::kVf1)});
}

TEST_CASE("PF: a refused sriov_numvfs is kSystem and logged with its fix", "[vfio][open]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.tree.set_enable_sriov(false);
  auto f = fx.open();
  REQUIRE(f.has_value());
  const auto r = (*f)->set_sriov_num_vfs(4);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == hal::Error::kSystem);
  REQUIRE(fx.log.size() == 1);
  CHECK(fx.log[0].find("enable_sriov") != std::string::npos);
  CHECK(fx.ops.count("pwrite /sys") == 0);
}

TEST_CASE("VF: set_sriov_num_vfs is kNoDevice and writes nothing", "[vfio][open]") {
  OpenFixture fx(Situation::kVfOfKernelPf);
  auto f = fx.open();
  REQUIRE(f.has_value());
  fx.ops.clear_calls();
  const auto r = (*f)->set_sriov_num_vfs(1);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == hal::Error::kNoDevice);
  CHECK(fx.ops.calls.empty());
}

TEST_CASE("a no-IOMMU group opened registers-only uses vfio's no-IOMMU model and has no DMA maps",
          "[vfio][open]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.tree.write("/sys/kernel/iommu_groups/20/name", "vfio-noiommu\n");
  fx.tree.remove("/dev/vfio/20");
  fx.tree.add_group_node(20, 0600, /*noiommu=*/true);
  fx.ops.script.noiommu = true;
  auto o = fx.options();
  o.registers_only = true;
  auto f = hal::vfio::open_function(o);
  REQUIRE(f.has_value());
  CHECK(fx.ops.count("ioctl VFIO_CHECK_EXTENSION VFIO_NOIOMMU_IOMMU") == 1);
  CHECK(fx.ops.count("ioctl VFIO_CHECK_EXTENSION VFIO_TYPE1") == 0);
  CHECK(fx.ops.count("open /dev/vfio/noiommu-20") == 1);
  CHECK(fx.ops.count("ioctl VFIO_SET_IOMMU VFIO_NOIOMMU_IOMMU") == 1);

  vfio_test::PageBuffer a(0x1000);
  fx.ops.clear_calls();
  CHECK((*f)->dma().map(hal::Iova(0x1000), a.p, a.len).error() == hal::Error::kSystem);
  CHECK(fx.ops.calls.empty());
  REQUIRE(fx.log.size() == 1);
  CHECK(fx.log[0].find("no-IOMMU") != std::string::npos);
  f->reset();
  CHECK(fx.ops.count("close /dev/vfio/noiommu-20") == 1);
  CHECK(fx.ops.leaks().empty());
}

TEST_CASE("a no-IOMMU group without vfio's no-IOMMU mode is kNoIommu", "[vfio][open]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.tree.write("/sys/kernel/iommu_groups/20/name", "vfio-noiommu\n");
  fx.tree.remove("/dev/vfio/20");
  fx.tree.add_group_node(20, 0600, /*noiommu=*/true);
  auto o = fx.options();
  o.registers_only = true;
  auto f = hal::vfio::open_function(o);
  REQUIRE_FALSE(f.has_value());
  CHECK(f.error().failure == hal::vfio::OpenFailure::kNoIommu);
  CHECK(f.error().fix.find("enable_unsafe_noiommu_mode") != std::string::npos);
  CHECK(f.error().fix.find("register access only") != std::string::npos);
  CHECK(fx.ops.leaks().empty());
}

TEST_CASE("a no-IOMMU group is refused with kNoIommu unless registers-only is asked, before any "
          "VFIO call", "[vfio][open]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.tree.write("/sys/kernel/iommu_groups/20/name", "vfio-noiommu\n");
  fx.tree.remove("/dev/vfio/20");
  fx.tree.add_group_node(20, 0600, /*noiommu=*/true);
  fx.ops.script.noiommu = true;
  auto f = fx.open();
  REQUIRE_FALSE(f.has_value());
  CHECK(f.error().failure == hal::vfio::OpenFailure::kNoIommu);
  CHECK(f.error().what.find("no DMA maps") != std::string::npos);
  CHECK(f.error().fix.find("intel_iommu=on") != std::string::npos);
  CHECK(fx.ops.calls.empty());
}
