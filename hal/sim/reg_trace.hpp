#pragma once
// A register-access trace of the simulated device: every access as a bus analyser sees it.

#include <cstdint>
#include <functional>
#include <string>

namespace sim {

enum class Space { kBar0, kConfig };

struct RegAccess {
  int function;      ///< -1 = PF, else the VF index
  Space space;
  bool write;
  uint32_t offset;
  uint32_t value;    ///< value written, or value returned by the read
};

/// Called with the device lock held: must not access the device.
using RegTraceFn = std::function<void(const RegAccess&)>;

/// "pf  W bar0 0x04b00 00000008" style line.
std::string format_access(const RegAccess& a);

}  // namespace sim
