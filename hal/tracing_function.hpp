#pragma once
// A PciFunction that traces every register and config-space access of the function it wraps:
// the bus analyser of the simulated 82599 (hal/sim/reg_trace.hpp) for any backend, so a run
// on a real 82599 (VFIO) produces the same trace lines as one on the simulation, for failure
// reports (docs/hardware.md). The drivers run on the wrapper and see no difference.

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "hal/pci_function.hpp"
#include "hal/sim/reg_trace.hpp"

namespace hal {

/// One access as the wrapper saw it: the simulation's record of it (sim::RegAccess: function,
/// space, read or write, offset, value written or returned) and the register's datasheet name
/// ("" when unknown, and for config space).
struct TracedAccess {
  sim::RegAccess access;
  std::string_view name;  ///< valid during the call only
};

/// sim::format_access's line, then the name when there is one:
/// "pf   W bar0 0x04b00 00000008 PFMAILBOX(0)", "vf1  R cfg  0x00000 15ed8086".
std::string format_traced(const TracedAccess& t);

/// Called once per access, in the order the accesses reached the wrapped function, after the
/// access (a read's value is the one returned). Called with the wrapper's lock held: it must
/// not access the function.
using AccessTraceFn = std::function<void(const TracedAccess&)>;
/// The name of a BAR0 offset ("" when unknown), e.g. hal::ixgbe::pf_reg_name.
using RegNameFn = std::string_view (*)(uint32_t offset);

/// flush() is forwarded untraced: what a backend does to flush (VFIO reads STATUS; the
/// simulation nothing) is not one of the driver's accesses.
///
/// Thread safety: as the wrapped function's; accesses from several threads are serialised by
/// one lock per wrapper, so the trace order is the order in which they happened.
class TracingFunction final : public PciFunction {
 public:
  /// Wraps `inner`, which must outlive the wrapper. `function` labels the lines as the
  /// simulation does: -1 the PF, n VF n. `names` may be nullptr (no names).
  TracingFunction(PciFunction& inner, int function, AccessTraceFn trace, RegNameFn names = nullptr);
  TracingFunction(const TracingFunction&) = delete;
  TracingFunction& operator=(const TracingFunction&) = delete;

  RegisterIo& bar0() override { return bar_; }
  ConfigSpace& config() override { return config_; }
  /// DMA maps, vectors and the name are the wrapped function's, untraced.
  DmaDomain& dma() override { return inner_.dma(); }
  size_t num_vectors() const override { return inner_.num_vectors(); }
  const EventFd& vector(size_t i) const override { return inner_.vector(i); }
  std::string name() const override { return inner_.name(); }
  /// The wrapped function's: a backend that enables VFs its own way (VFIO: sysfs) keeps it.
  /// The config-space accesses it makes itself are not traced (they happen below the wrapper).
  std::expected<void, Error> set_sriov_num_vfs(unsigned n) override {
    return inner_.set_sriov_num_vfs(n);
  }

  PciFunction& inner() { return inner_; }

 private:
  class Bar final : public RegisterIo {
   public:
    explicit Bar(TracingFunction& f) : f_(f) {}
    uint32_t read32(uint32_t offset) override;
    void write32(uint32_t offset, uint32_t value) override;
    void flush() override { f_.inner_.bar0().flush(); }

   private:
    TracingFunction& f_;
  };
  class Config final : public ConfigSpace {
   public:
    explicit Config(TracingFunction& f) : f_(f) {}
    uint32_t read32(uint16_t offset) override;
    void write32(uint16_t offset, uint32_t value) override;
    uint16_t read16(uint16_t offset) override;
    void write16(uint16_t offset, uint16_t value) override;

   private:
    TracingFunction& f_;
  };

  void emit(sim::Space space, bool write, uint32_t offset, uint32_t value);

  PciFunction& inner_;
  int function_;
  AccessTraceFn trace_;
  RegNameFn names_;
  std::mutex mu_;
  Bar bar_{*this};
  Config config_{*this};
};

}  // namespace hal
