// BAR0 register I/O and config space of a VFIO function, through the mapping and through
// pread/pwrite, and what a read of all-ones does.

#include <catch2/catch.hpp>

#include <cerrno>

#include "hal/vfio/open.hpp"
#include "hal/vfio/vfio_function.hpp"
#include "tests/vfio/open_fixture.hpp"

using vfio_test::OpenFixture;
using vfio_test::Situation;

namespace {

std::unique_ptr<hal::vfio::VfioFunction> open_or_fail(OpenFixture& fx) {
  auto f = fx.open();
  REQUIRE(f.has_value());
  return std::move(*f);
}

bool bar_is_mapped(const hal::vfio::VfioFunction& f) {
  return static_cast<const hal::vfio::VfioFunctionImpl&>(f).bar0_mapped();
}

}  // namespace

TEST_CASE("BAR0 through mmap: reads and writes reach the device's registers", "[vfio][regs]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = open_or_fail(fx);
  REQUIRE(bar_is_mapped(*f));
  fx.ops.bar0[0x4 / 4] = 0xA5A5;
  CHECK(f->bar0().read32(0x4) == 0xA5A5);
  f->bar0().write32(0x880, 0x12345678);
  CHECK(fx.ops.bar0[0x880 / 4] == 0x12345678);
  f->bar0().flush();
  // Through the mapping nothing goes through the fd.
  CHECK(fx.ops.count("pread region0") == 0);
  CHECK(fx.ops.count("pwrite") == 0);
}

TEST_CASE("BAR0 through pread/pwrite at the region offset when mmap is not offered",
          "[vfio][regs]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.script.bar0_mmap = false;
  auto f = open_or_fail(fx);
  REQUIRE_FALSE(bar_is_mapped(*f));
  fx.ops.clear_calls();
  fx.ops.bar0[0x10 / 4] = 0x77;
  CHECK(f->bar0().read32(0x10) == 0x77);
  f->bar0().write32(0x14, 0xBEEF);
  CHECK(fx.ops.bar0[0x14 / 4] == 0xBEEF);
  f->bar0().flush();
  CHECK(fx.ops.calls == std::vector<std::string>{
                            "pread region0 off=0x10 len=4",
                            "pwrite region0 off=0x14 len=4",
                            "pread region0 off=0x8 len=4",  // flush: a read of STATUS
                        });
}

TEST_CASE("BAR0 falls back to pread/pwrite when mmap fails, and says so", "[vfio][regs]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.fail("mmap", ENOMEM);
  auto f = open_or_fail(fx);
  CHECK_FALSE(bar_is_mapped(*f));
  REQUIRE(fx.log.size() == 1);
  CHECK(fx.log[0].find("mmap of BAR0 failed") != std::string::npos);
  fx.ops.bar0[0x20 / 4] = 0x99;
  CHECK(f->bar0().read32(0x20) == 0x99);
  f.reset();
  CHECK(fx.ops.count("munmap") == 0);
  CHECK(fx.ops.leaks().empty());
}

TEST_CASE("register offsets outside BAR0 or misaligned touch nothing", "[vfio][regs]") {
  OpenFixture fx(Situation::kVfOfKernelPf);
  fx.ops.script.bar0_mmap = false;
  auto f = open_or_fail(fx);
  fx.ops.clear_calls();
  CHECK(f->bar0().read32(0x4000) == hal::kDeviceGone);
  CHECK(f->bar0().read32(0x2) == hal::kDeviceGone);
  f->bar0().write32(0x4000, 1);
  CHECK(fx.ops.calls.empty());
  CHECK_FALSE(f->gone());
}

TEST_CASE("config space through the config region, 8/16/32 bits", "[vfio][regs]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = open_or_fail(fx);
  fx.ops.clear_calls();
  CHECK(f->config().read16(0) == 0x8086);
  CHECK(f->config().read16(2) == 0x10fb);
  CHECK(f->config().read32(0) == 0x10fb8086);
  f->config().write16(0x4, 0x0406);
  CHECK(fx.ops.config[4] == 0x06);
  CHECK(fx.ops.config[5] == 0x04);
  auto& cfg = static_cast<hal::vfio::VfioConfig&>(f->config());
  CHECK(cfg.read8(1) == 0x80);
  cfg.write8(0x3c, 0x0b);
  CHECK(fx.ops.config[0x3c] == 0x0b);
  CHECK(fx.ops.calls == std::vector<std::string>{
                            "pread region7 off=0x0 len=2",
                            "pread region7 off=0x2 len=2",
                            "pread region7 off=0x0 len=4",
                            "pwrite region7 off=0x4 len=2",
                            "pread region7 off=0x1 len=1",
                            "pwrite region7 off=0x3c len=1",
                        });
  fx.ops.clear_calls();
  // Misaligned or beyond 4 KiB: all-ones, nothing asked of the kernel.
  CHECK(f->config().read32(0x2) == 0xFFFFFFFFu);
  CHECK(f->config().read16(0x1001) == 0xFFFF);
  CHECK(f->config().read16(0xFFF) == 0xFFFF);
  f->config().write32(0x6, 0);
  CHECK(fx.ops.calls.empty());
  // A refused pread reads as all-ones, as a gone function does.
  fx.ops.fail("pread region7", EIO);
  CHECK(f->config().read16(0) == 0xFFFF);
}

TEST_CASE("all-ones with class code all-ones too: gone, reported once, no further access",
          "[vfio][regs][gone]") {
  for (const bool mmap : {true, false}) {
    DYNAMIC_SECTION((mmap ? "mapped BAR" : "pread BAR")) {
      OpenFixture fx(Situation::kVfOfKernelPf);
      fx.ops.script.bar0_mmap = mmap;
      auto f = open_or_fail(fx);
      fx.ops.bar0[0x0 / 4] = 0x1;
      CHECK(f->bar0().read32(0x0) == 0x1);
      CHECK_FALSE(f->gone());

      fx.ops.surprise_remove();
      fx.ops.clear_calls();
      CHECK(f->bar0().read32(0x8) == hal::kDeviceGone);
      CHECK(f->gone());
      REQUIRE(fx.log.size() == 1);
      CHECK(fx.log[0].find("vfio:0000:03:10.0") != std::string::npos);
      CHECK(fx.log[0].find("gone") != std::string::npos);
      // One check, of a dword vfio-pci does not virtualize: the vendor id, which it does,
      // still reads 8086h.
      std::vector<std::string> want;
      if (!mmap) want.push_back("pread region0 off=0x8 len=4");
      want.push_back("pread region7 off=0x8 len=4");
      CHECK(fx.ops.calls == want);
      CHECK(f->config().read16(0) == 0x8086);

      // The device comes back with values: a gone function is not read again.
      fx.ops.bar0.assign(fx.ops.bar0.size(), 0x5);
      fx.ops.put32(0x08, 0x02000001);
      fx.ops.clear_calls();
      for (int i = 0; i < 100; ++i) CHECK(f->bar0().read32(0x8) == hal::kDeviceGone);
      f->bar0().write32(0x10, 0x42);
      f->bar0().flush();
      CHECK(fx.ops.bar0[0x10 / 4] == 0x5);
      CHECK(fx.ops.calls.empty());
      CHECK(fx.log.size() == 1);
      CHECK(f->gone());
    }
  }
}

TEST_CASE("all-ones from a live function is the register's value, not gone",
          "[vfio][regs][gone]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = open_or_fail(fx);
  fx.ops.bar0[0x40 / 4] = 0xFFFFFFFFu;
  fx.ops.clear_calls();
  CHECK(f->bar0().read32(0x40) == 0xFFFFFFFFu);
  CHECK_FALSE(f->gone());
  CHECK(fx.log.empty());
  CHECK(fx.ops.calls == std::vector<std::string>{"pread region7 off=0x8 len=4"});
  // Other registers still read normally.
  fx.ops.bar0[0x44 / 4] = 0x3;
  CHECK(f->bar0().read32(0x44) == 0x3);
}
