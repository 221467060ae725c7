#pragma once
// The simulated Intel 82599: a PF function and up to 64 VF functions behind one device model.
// Drivers reach it only through hal::PciFunction (registers, config space, DMA, vectors); the
// model learns everything from those accesses, as the chip does.

#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hal/clock.hpp"
#include "hal/pci_function.hpp"
#include "hal/sim/accounting.hpp"
#include "hal/sim/engine.hpp"
#include "hal/sim/frame_tap.hpp"
#include "hal/sim/reg_trace.hpp"
#include "hal/sim/wire_port.hpp"
#include "hal/types.hpp"

namespace sim {

struct DeviceConfig {
  std::string name = "sim0";
  uint8_t bus = 1;          ///< PF at bus:00.0
  bool link_up = true;      ///< the wire's state at power-on
  /// The device's time (TX rate limiting). Not owned; must outlive the device. Null: the
  /// device uses its own hal::RealClock. Stepped hosts pass their ManualClock.
  hal::Clock* clock = nullptr;
};

class DeviceModel;  // the register-level model, hal/sim/device_model.hpp
struct DeviceState;

/// Owner of one simulated 82599. Thread-safe: any thread may access any function; control
/// registers are serialised by the device's lock, as the chip serialises its register bus.
class Device82599 {
 public:
  static std::unique_ptr<Device82599> create(DeviceConfig config = {});
  ~Device82599();
  Device82599(const Device82599&) = delete;
  Device82599& operator=(const Device82599&) = delete;

  /// The PF function (bus:00.0).
  hal::PciFunction& pf();
  /// VF `vf`'s function, which exists only while the PF's SR-IOV control has VF Enable set and
  /// vf < NumVFs. kNoDevice otherwise. The handle stays valid for the device's life; once the
  /// VF is disabled its BAR reads all-ones (the function is gone) and writes are dropped.
  std::expected<hal::PciFunction*, hal::Error> vf(hal::VfId vf);
  /// Number of VF functions that exist now.
  unsigned num_vfs() const;
  /// The routing id (bus << 8 | devfn) of VF `vf` under the current ARI/offset/stride settings.
  uint16_t vf_routing_id(hal::VfId vf) const;

  // ---- The world around the chip (not a driver interface).
  /// Sets the wire's link state; raises EICR.LSC and updates LINKS/VFLINKS.
  void set_link(bool up);
  /// Installs (or removes, with nullptr) a register-access trace, like a bus analyser.
  void set_trace(RegTraceFn fn);

  // ---- The device engine (docs/sim-model.md, "Device engine").
  /// One bounded, deterministic engine pass on the calling thread: reads the TX rings whose
  /// tail moved (enabled queues only), switches each frame through the VEB, writes copies into
  /// RX rings and sends wire copies to the wire port, then takes frames from the wire. Returns
  /// how many frames it took (TX chains + wire frames); 0 means there was nothing to do. Takes
  /// the device lock for the pass.
  size_t poll_once();
  /// The port the engine sends to and receives from. The default is a MemoryWire; nullptr
  /// installs a fresh one. WirePort methods run under the device lock and must not call back
  /// into the device.
  void set_wire(std::shared_ptr<WirePort> port);
  std::shared_ptr<WirePort> wire() const;
  /// Installs a frame tap (hal/sim/frame_tap.hpp), replacing any installed one; nullptr (an
  /// empty function) removes it. The engine calls it under the device lock, on the thread
  /// running the pass, at each TapPoint: every frame a pool's TX queue hands to the switch,
  /// every copy written into a pool's RX ring, every frame sent to and taken from the wire.
  /// Takes the device lock, so no pass sees half a change: once it returns, the old tap is
  /// not called again. The tap must not call into the device (it would deadlock). With no tap
  /// the engine pays one branch per queue polled, none per frame.
  void set_frame_tap(FrameTapFn fn);
  /// Packet accounting since creation; accounting().check() is empty when it adds up.
  Accounting accounting() const;
  /// The engine's counters of absolute queue `q` (zeros past the last queue).
  QueueCounters queue_counters(hal::QueueId q) const;
  /// The most recent DMA faults (up to EngineState::kFaultLogSize), oldest first, and the total.
  std::vector<DmaFault> dma_faults() const;
  uint64_t dma_fault_count() const;

  const std::string& name() const;
  DeviceModel& model();

 private:
  explicit Device82599(DeviceConfig config);
  std::unique_ptr<DeviceState> state_;
};

}  // namespace sim
