// hal::TracingFunction: the register trace of any backend (VFIO on a real 82599 above all) in
// the simulated device's bus-analyser format, with the drivers' accesses passing through
// unchanged.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hal/ixgbe/reg_names.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "hal/sim/device.hpp"
#include "hal/tracing_function.hpp"

namespace {

/// A function whose registers and config space are plain memory, recording what reaches it.
class TfRecordingFunction final : public hal::PciFunction {
 public:
  struct Access {
    char what;  // 'r' 'w' BAR0, 'c' 'C' config (read, write)
    uint32_t offset, value;
    bool operator==(const Access&) const = default;
  };
  class Bar final : public hal::RegisterIo {
   public:
    explicit Bar(TfRecordingFunction& f) : f_(f) {}
    uint32_t read32(uint32_t o) override {
      // A register that changes on every read (as a clear-on-read counter does): the trace
      // must show the value this read returned, not a second read's.
      const uint32_t v = f_.regs[o]++;
      f_.seen.push_back({'r', o, v});
      return v;
    }
    void write32(uint32_t o, uint32_t v) override {
      f_.regs[o] = v;
      f_.seen.push_back({'w', o, v});
    }
    void flush() override { ++f_.flushes; }

   private:
    TfRecordingFunction& f_;
  };
  class Cfg final : public hal::ConfigSpace {
   public:
    explicit Cfg(TfRecordingFunction& f) : f_(f) {}
    uint32_t read32(uint16_t o) override {
      f_.seen.push_back({'c', o, f_.cfg[o]});
      return f_.cfg[o];
    }
    void write32(uint16_t o, uint32_t v) override {
      f_.cfg[o] = v;
      f_.seen.push_back({'C', o, v});
    }
    uint16_t read16(uint16_t o) override {
      const auto v = static_cast<uint16_t>(f_.cfg[o]);
      f_.seen.push_back({'c', o, v});
      return v;
    }
    void write16(uint16_t o, uint16_t v) override {
      f_.cfg[o] = v;
      f_.seen.push_back({'C', o, v});
    }

   private:
    TfRecordingFunction& f_;
  };

  hal::RegisterIo& bar0() override { return bar_; }
  hal::ConfigSpace& config() override { return cfg_; }
  hal::DmaDomain& dma() override { return *dma_domain; }
  size_t num_vectors() const override { return 0; }
  const hal::EventFd& vector(size_t) const override { throw std::logic_error("no vectors"); }
  std::string name() const override { return "fake0"; }
  std::expected<void, hal::Error> set_sriov_num_vfs(unsigned n) override {
    sriov_calls.push_back(n);
    return {};
  }

  std::map<uint32_t, uint32_t> regs, cfg;
  std::vector<Access> seen;
  std::vector<unsigned> sriov_calls;
  unsigned flushes = 0;
  hal::DmaDomain* dma_domain = nullptr;

 private:
  Bar bar_{*this};
  Cfg cfg_{*this};
};

}  // namespace

TEST_CASE("TracingFunction: every access goes through unchanged and is traced once, in order", "[hal][trace]") {
  TfRecordingFunction inner;
  inner.regs[0x04B00] = 7;
  inner.cfg[0x0] = 0x10ed8086;
  std::vector<hal::TracedAccess> got;
  std::vector<std::string> names;
  hal::TracingFunction fn(inner, 3, [&](const hal::TracedAccess& t) {
    got.push_back(t);
    names.emplace_back(t.name);
  }, hal::ixgbe::pf_reg_name);

  CHECK(fn.bar0().read32(0x04B00) == 7);
  CHECK(fn.bar0().read32(0x04B00) == 8);  // the second read sees the register's new value
  fn.bar0().write32(hal::ixgbe::pf::EIMS.offset, 0x80000000u);
  fn.bar0().flush();
  CHECK(fn.config().read32(0x0) == 0x10ed8086u);
  fn.config().write16(0x4, 0x0406);
  CHECK(fn.config().read16(0x4) == 0x0406);
  CHECK(fn.bar0().read32(0x00004) == 0);  // no register of ours there

  // What reached the wrapped function: the same accesses with the same values, in order.
  const std::vector<TfRecordingFunction::Access> want_inner = {
      {'r', 0x04B00, 7}, {'r', 0x04B00, 8}, {'w', 0x00880, 0x80000000u},
      {'c', 0x0, 0x10ed8086u}, {'C', 0x4, 0x0406}, {'c', 0x4, 0x0406}, {'r', 0x00004, 0}};
  CHECK(inner.seen == want_inner);
  CHECK(inner.flushes == 1);

  // One trace record per access, in the same order, each with what the driver saw.
  REQUIRE(got.size() == want_inner.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("access " << i);
    const sim::RegAccess& a = got[i].access;
    const auto& w = want_inner[i];
    CHECK(a.function == 3);
    CHECK(a.offset == w.offset);
    CHECK(a.value == w.value);
    CHECK(a.write == (w.what == 'w' || w.what == 'C'));
    CHECK(a.space == (w.what == 'r' || w.what == 'w' ? sim::Space::kBar0 : sim::Space::kConfig));
  }
  CHECK(names == std::vector<std::string>{"PFMAILBOX(0)", "PFMAILBOX(0)", "EIMS", "", "", "", ""});
}

TEST_CASE("TracingFunction: lines in the simulation's format, with the register's name", "[hal][trace]") {
  TfRecordingFunction inner;
  std::vector<std::string> lines;
  hal::TracingFunction pf(inner, -1, [&](const hal::TracedAccess& t) {
    lines.push_back(hal::format_traced(t));
  }, hal::ixgbe::pf_reg_name);
  hal::TracingFunction vf(inner, 1, [&](const hal::TracedAccess& t) {
    lines.push_back(hal::format_traced(t));
  }, hal::ixgbe::vf_reg_name);
  pf.bar0().write32(0x04B00, 8);
  vf.bar0().write32(hal::ixgbe::vf::VFMAILBOX.offset, 1);
  inner.cfg[0] = 0x15ed8086;
  (void)vf.config().read32(0);
  CHECK(lines == std::vector<std::string>{"pf   W bar0 0x04b00 00000008 PFMAILBOX(0)",
                                          "vf1  W bar0 0x002fc 00000001 VFMAILBOX",
                                          "vf1  R cfg  0x00000 15ed8086"});
}

TEST_CASE("TracingFunction: the same lines as the simulated device's own bus trace", "[hal][trace]") {
  // The format is shared, not imitated: the same accesses on the simulated 82599, traced by
  // the device and by the wrapper, give the same lines (the wrapper's without the names).
  auto dev = sim::Device82599::create(sim::DeviceConfig{});
  std::vector<std::string> device_lines, wrapper_lines;
  dev->set_trace([&](const sim::RegAccess& a) { device_lines.push_back(sim::format_access(a)); });
  hal::TracingFunction fn(dev->pf(), -1, [&](const hal::TracedAccess& t) {
    wrapper_lines.push_back(sim::format_access(t.access));
  }, hal::ixgbe::pf_reg_name);
  fn.bar0().write(hal::ixgbe::pf::EIMS, 0x5);
  (void)fn.bar0().read(hal::ixgbe::pf::EIMS);
  (void)fn.bar0().read(hal::ixgbe::pf::STATUS);
  (void)fn.config().read16(0);
  (void)fn.config().read32(0);
  REQUIRE(wrapper_lines.size() == 5);
  CHECK(wrapper_lines == device_lines);
}

TEST_CASE("TracingFunction: enabling VFs is the wrapped function's own (VFIO: sysfs)", "[hal][trace]") {
  TfRecordingFunction inner;
  size_t traced = 0;
  hal::TracingFunction fn(inner, -1, [&](const hal::TracedAccess&) { ++traced; });
  REQUIRE(fn.set_sriov_num_vfs(4));
  REQUIRE(fn.set_sriov_num_vfs(0));
  CHECK(inner.sriov_calls == std::vector<unsigned>{4, 0});
  // Not PciFunction's default (config-space writes through the wrapper): nothing was written.
  CHECK(inner.seen.empty());
  CHECK(traced == 0);
  CHECK(fn.name() == "fake0");
}

TEST_CASE("Register names come from the register definitions, with their indexes", "[hal][trace]") {
  namespace pf = hal::ixgbe::pf;
  namespace vf = hal::ixgbe::vf;
  CHECK(hal::ixgbe::pf_reg_name(pf::CTRL.offset) == "CTRL");
  CHECK(hal::ixgbe::pf_reg_name(pf::PFMAILBOX(63).offset) == "PFMAILBOX(63)");
  CHECK(hal::ixgbe::pf_reg_name(pf::PFMBMEM(2, 5).offset) == "PFMBMEM(2,5)");
  CHECK(hal::ixgbe::pf_reg_name(pf::RDT(65).offset) == "RDT(65)");  // the upper RX queue block
  CHECK(hal::ixgbe::pf_reg_name(pf::RAL(16).offset) == "RAL(16)");
  CHECK(hal::ixgbe::pf_reg_name(pf::VFLRE(1).offset) == "VFLRE(1)");
  CHECK(hal::ixgbe::pf_reg_name(pf::MPC0.offset) == "MPC0");        // not MPC(0)
  CHECK(hal::ixgbe::pf_reg_name(pf::MPC(3).offset) == "MPC(3)");
  CHECK(hal::ixgbe::pf_reg_name(0x00004).empty());
  CHECK(hal::ixgbe::vf_reg_name(vf::VFMAILBOX.offset) == "VFMAILBOX");
  CHECK(hal::ixgbe::vf_reg_name(vf::VFTDT(7).offset) == "VFTDT(7)");
  CHECK(hal::ixgbe::vf_reg_name(vf::VFMBMEM(15).offset) == "VFMBMEM(15)");
  CHECK(hal::ixgbe::vf_reg_name(pf::EIMS.offset).empty());  // a PF offset means nothing on a VF
}
