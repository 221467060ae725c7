#include "hal/sim/device.hpp"

#include <array>

#include "hal/sim/device_model.hpp"
#include "hal/sim/sim_function.hpp"

namespace sim {

/// The model and one handle per function for the device's whole life, so a handle a guest
/// holds never dangles: a disabled VF's handle just reads all-ones.
struct DeviceState {
  explicit DeviceState(DeviceConfig cfg) : model(std::move(cfg)), pf(model, -1) {
    for (unsigned i = 0; i < vfs.size(); ++i) {
      vfs[i] = std::make_unique<SimFunction>(model, static_cast<int>(i));
    }
  }
  DeviceModel model;
  SimFunction pf;
  std::array<std::unique_ptr<SimFunction>, hal::ixgbe::pf::kMaxVfs> vfs;
};

std::unique_ptr<Device82599> Device82599::create(DeviceConfig config) {
  return std::unique_ptr<Device82599>(new Device82599(std::move(config)));
}

Device82599::Device82599(DeviceConfig config)
    : state_(std::make_unique<DeviceState>(std::move(config))) {}

Device82599::~Device82599() = default;

hal::PciFunction& Device82599::pf() { return state_->pf; }

std::expected<hal::PciFunction*, hal::Error> Device82599::vf(hal::VfId vf) {
  if (vf.value() >= state_->vfs.size()) return std::unexpected(hal::Error::kOutOfRange);
  if (!state_->model.vf_exists(vf.value())) return std::unexpected(hal::Error::kNoDevice);
  return state_->vfs[vf.value()].get();
}

unsigned Device82599::num_vfs() const { return state_->model.num_vfs(); }

uint16_t Device82599::vf_routing_id(hal::VfId vf) const {
  return state_->model.vf_routing_id(vf.value());
}

void Device82599::set_link(bool up) { state_->model.set_link(up); }

void Device82599::set_trace(RegTraceFn fn) { state_->model.set_trace(std::move(fn)); }

size_t Device82599::poll_once() { return state_->model.poll_once(); }

void Device82599::set_wire(std::shared_ptr<WirePort> port) { state_->model.set_wire(std::move(port)); }

void Device82599::set_frame_tap(FrameTapFn fn) { state_->model.set_frame_tap(std::move(fn)); }

std::shared_ptr<WirePort> Device82599::wire() const { return state_->model.wire(); }

Accounting Device82599::accounting() const { return state_->model.accounting(); }

QueueCounters Device82599::queue_counters(hal::QueueId q) const {
  return state_->model.queue_counters(q.value());
}

std::vector<DmaFault> Device82599::dma_faults() const { return state_->model.dma_faults(); }

uint64_t Device82599::dma_fault_count() const { return state_->model.dma_fault_count(); }

const std::string& Device82599::name() const { return state_->model.config().name; }

DeviceModel& Device82599::model() { return state_->model; }

}  // namespace sim
