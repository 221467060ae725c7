#include "hal/tracing_function.hpp"

#include <utility>

namespace hal {

std::string format_traced(const TracedAccess& t) {
  std::string line = sim::format_access(t.access);
  if (!t.name.empty()) {
    line += ' ';
    line += t.name;
  }
  return line;
}

TracingFunction::TracingFunction(PciFunction& inner, int function, AccessTraceFn trace,
                                 RegNameFn names)
    : inner_(inner), function_(function), trace_(std::move(trace)), names_(names) {}

void TracingFunction::emit(sim::Space space, bool write, uint32_t offset, uint32_t value) {
  if (!trace_) return;
  const std::string_view name =
      space == sim::Space::kBar0 && names_ != nullptr ? names_(offset) : std::string_view();
  trace_(TracedAccess{sim::RegAccess{function_, space, write, offset, value}, name});
}

// Each access and its trace line under one lock: two threads' accesses are traced in the order
// the function saw them.

uint32_t TracingFunction::Bar::read32(uint32_t offset) {
  std::lock_guard lock(f_.mu_);
  const uint32_t v = f_.inner_.bar0().read32(offset);
  f_.emit(sim::Space::kBar0, false, offset, v);
  return v;
}

void TracingFunction::Bar::write32(uint32_t offset, uint32_t value) {
  std::lock_guard lock(f_.mu_);
  f_.inner_.bar0().write32(offset, value);
  f_.emit(sim::Space::kBar0, true, offset, value);
}

uint32_t TracingFunction::Config::read32(uint16_t offset) {
  std::lock_guard lock(f_.mu_);
  const uint32_t v = f_.inner_.config().read32(offset);
  f_.emit(sim::Space::kConfig, false, offset, v);
  return v;
}

void TracingFunction::Config::write32(uint16_t offset, uint32_t value) {
  std::lock_guard lock(f_.mu_);
  f_.inner_.config().write32(offset, value);
  f_.emit(sim::Space::kConfig, true, offset, value);
}

uint16_t TracingFunction::Config::read16(uint16_t offset) {
  std::lock_guard lock(f_.mu_);
  const uint16_t v = f_.inner_.config().read16(offset);
  f_.emit(sim::Space::kConfig, false, offset, v);
  return v;
}

void TracingFunction::Config::write16(uint16_t offset, uint16_t value) {
  std::lock_guard lock(f_.mu_);
  f_.inner_.config().write16(offset, value);
  f_.emit(sim::Space::kConfig, true, offset, value);
}

}  // namespace hal
