// Packet accounting check of the simulated 82599's engine (rules in accounting.hpp).
#include "hal/sim/accounting.hpp"

#include <numeric>

#include <fmt/format.h>

namespace sim {

uint64_t Accounting::switch_dropped() const {
  return std::accumulate(switch_drops.begin(), switch_drops.end(), uint64_t{0});
}

std::string Accounting::check() const {
  std::string out;
  if (offered() != frame_drops() + switched) {
    out += fmt::format(
        "frames: offered {} (tx {} + wire {}) != dropped {} (tx_dma_fault {} + oversize {} + "
        "wire_crc_error {} + wire_undersize {} + switch {}) + switched {}; ",
        offered(), offered_tx, offered_wire, frame_drops(), tx_dma_fault, oversize,
        wire_crc_error, wire_undersize, switch_dropped(), switched);
  }
  if (copies != delivered + to_wire + copy_drops()) {
    out += fmt::format(
        "copies: {} != delivered {} + to_wire {} + link_down {} + rx_port_disabled {} + "
        "rx_no_queue {} + rx_queue_disabled {} + rx_no_descriptor {} + rx_dma_fault {}; ",
        copies, delivered, to_wire, link_down, rx_port_disabled, rx_no_queue, rx_queue_disabled,
        rx_no_descriptor, rx_dma_fault);
  }
  if (switched > copies) {
    out += fmt::format("switched {} frames but only {} copies (a switched frame has >= 1); ",
                       switched, copies);
  }
  return out;
}

std::string Accounting::summary() const {
  std::string out = fmt::format("offered_tx={} offered_wire={} switched={} copies={} delivered={} to_wire={}",
                                offered_tx, offered_wire, switched, copies, delivered, to_wire);
  for_each_drop([&out](std::string_view name, uint64_t v) {
    if (v != 0) out += fmt::format(" {}={}", name, v);
  });
  return out;
}

}  // namespace sim
