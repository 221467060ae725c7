#pragma once
// hal::PciFunction over the simulated 82599: the handles drivers get.

#include <string>

#include "hal/pci_function.hpp"
#include "hal/sim/device_model.hpp"

namespace sim {

/// A function of the model: -1 is the PF, 0..63 a VF. Every access goes to the model's handler.
class SimFunction final : public hal::PciFunction {
 public:
  SimFunction(DeviceModel& model, int index) : bar_(model, index), cfg_(model, index), model_(model), index_(index) {}

  hal::RegisterIo& bar0() override { return bar_; }
  hal::ConfigSpace& config() override { return cfg_; }
  hal::DmaDomain& dma() override;
  size_t num_vectors() const override;
  const hal::EventFd& vector(size_t i) const override;
  std::string name() const override;

 private:
  class Bar final : public hal::RegisterIo {
   public:
    Bar(DeviceModel& m, int index) : m_(m), index_(index) {}
    uint32_t read32(uint32_t off) override;
    void write32(uint32_t off, uint32_t v) override;
    void flush() override {}  // the model applies writes in order; nothing is posted

   private:
    DeviceModel& m_;
    int index_;
  };
  class Config final : public hal::ConfigSpace {
   public:
    Config(DeviceModel& m, int index) : m_(m), index_(index) {}
    uint32_t read32(uint16_t off) override;
    void write32(uint16_t off, uint32_t v) override;
    uint16_t read16(uint16_t off) override;
    void write16(uint16_t off, uint16_t v) override;

   private:
    DeviceModel& m_;
    int index_;
  };

  Bar bar_;
  Config cfg_;
  DeviceModel& model_;
  int index_;
};

}  // namespace sim
