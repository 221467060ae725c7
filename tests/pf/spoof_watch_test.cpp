// SSVPC turned into events: a saturated counter is reported, a device that is gone is not.
#include "pf_driver/spoof_watch.hpp"

#include "pf_rig.hpp"

using namespace pftest;
namespace reg = hal::ixgbe::pf;
using pf::EventCode;

namespace {

/// The PF's BAR as the simulated device has it, except that SSVPC reads all-ones, and that
/// every register does once `gone` is set (a surprise removal).
class SaturatedSsvpcIo final : public hal::RegisterIo {
 public:
  explicit SaturatedSsvpcIo(hal::RegisterIo& inner) : inner_(inner) {}
  uint32_t read32(uint32_t offset) override {
    if (gone || offset == reg::SSVPC.offset) return hal::kDeviceGone;
    return inner_.read32(offset);
  }
  void write32(uint32_t offset, uint32_t value) override { inner_.write32(offset, value); }
  void flush() override { inner_.flush(); }
  bool gone = false;

 private:
  hal::RegisterIo& inner_;
};

/// The simulated PF function seen through SaturatedSsvpcIo.
class Function final : public hal::PciFunction {
 public:
  explicit Function(hal::PciFunction& inner) : inner_(inner), io(inner.bar0()) {}
  hal::RegisterIo& bar0() override { return io; }
  hal::ConfigSpace& config() override { return inner_.config(); }
  hal::DmaDomain& dma() override { return inner_.dma(); }
  size_t num_vectors() const override { return inner_.num_vectors(); }
  const hal::EventFd& vector(size_t i) const override { return inner_.vector(i); }
  std::string name() const override { return inner_.name(); }

 private:
  hal::PciFunction& inner_;

 public:
  SaturatedSsvpcIo io;
};

}  // namespace

TEST_CASE("a saturated SSVPC is reported, not taken for a device that is gone", "[pf][events]") {
  hal::ManualClock clock;
  auto dev = sim::Device82599::create();
  hal::SteppingWaiter waiter(clock, {});
  Function fn(dev->pf());
  pf::PfDriver pf(fn, clock, waiter, options());
  REQUIRE(pf.init().has_value());
  REQUIRE(pf.set_num_vfs(2).has_value());

  clock.advance(pf::kSpoofCheckInterval);
  pf.service_once();
  REQUIRE(pf.events().count(EventCode::kSpoofedFrames) == 1);
  const pf::Event* e = pf.events().find_last(EventCode::kSpoofedFrames);
  INFO(e->reason.view());
  CHECK(e->reason.contains("at least 4294967295 frame(s)"));

  // Gone: every register reads all-ones, STATUS included, and nothing is reported.
  fn.io.gone = true;
  clock.advance(pf::kSpoofCheckInterval);
  pf.service_once();
  CHECK(pf.events().count(EventCode::kSpoofedFrames) == 1);
}
