// Small parsers: PCI addresses and the kernel command line.

#include <catch2/catch.hpp>

#include "doctor/bdf.hpp"
#include "doctor/kernel_cmdline.hpp"

using doctor::Bdf;
using doctor::KernelCmdline;

TEST_CASE("Bdf parses sysfs function names and refuses other path components", "[doctor][parse]") {
  const auto b = Bdf::parse("0000:01:10.2");
  REQUIRE(b.has_value());
  CHECK(b->bus() == 0x01);
  CHECK(b->device() == 0x10);
  CHECK(b->function() == 2);
  CHECK(b->str() == "0000:01:10.2");
  CHECK(Bdf::parse("10000:e0:06.0").value().domain() == 0x10000);
  CHECK_FALSE(Bdf::parse("pci0000:00").has_value());
  CHECK_FALSE(Bdf::parse("0000:00:20.0").has_value());  // device 32
  CHECK_FALSE(Bdf::parse("0000:00:01.8").has_value());  // function 8
  CHECK_FALSE(Bdf::parse("0000:0g:01.0").has_value());
  CHECK_FALSE(Bdf::parse("0000:00:01.0x").has_value());
  CHECK(*Bdf::parse("0000:00:01.0") < *Bdf::parse("0000:01:00.0"));
}

TEST_CASE("Kernel command line: last value wins, word lists, quotes and the init separator",
          "[doctor][parse]") {
  const auto c = KernelCmdline::parse(
      "BOOT_IMAGE=/vmlinuz ro intel_iommu=on,sm_on iommu=pt pci=realloc pci=noari "
      "quiet msg=\"a b\" hugepages=16 hugepages=1024 -- intel_iommu=off");
  CHECK(c.get("intel_iommu").value() == "on,sm_on");
  CHECK(c.has_word("intel_iommu", "on"));
  CHECK(c.has_word("intel_iommu", "sm_on"));
  CHECK_FALSE(c.has_word("intel_iommu", "off"));  // after "--": init's, not the kernel's
  CHECK(c.has_word("pci", "noari"));
  CHECK(c.has_word("pci", "realloc"));
  CHECK(c.get("hugepages").value() == "1024");
  CHECK(c.get("quiet").value().empty());
  CHECK(c.get("msg").value() == "a b");
  CHECK_FALSE(c.get("amd_iommu").has_value());
}

TEST_CASE("Kernel command line: dashes and underscores in names are the same", "[doctor][parse]") {
  const auto c = KernelCmdline::parse("vfio_iommu_type1.allow-unsafe-interrupts=1");
  CHECK(c.has_word("vfio_iommu_type1.allow_unsafe_interrupts", "1"));
}
