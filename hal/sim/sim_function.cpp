#include "hal/sim/sim_function.hpp"

#include <fmt/format.h>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/ixgbe/regs_vf.hpp"

namespace sim {

uint32_t SimFunction::Bar::read32(uint32_t off) {
  return index_ < 0 ? m_.pf_read(off) : m_.vf_read(static_cast<unsigned>(index_), off);
}

void SimFunction::Bar::write32(uint32_t off, uint32_t v) {
  if (index_ < 0) {
    m_.pf_write(off, v);
  } else {
    m_.vf_write(static_cast<unsigned>(index_), off, v);
  }
}

uint32_t SimFunction::Config::read32(uint16_t off) {
  return index_ < 0 ? m_.pf_cfg_read(off, 4) : m_.vf_cfg_read(static_cast<unsigned>(index_), off, 4);
}

void SimFunction::Config::write32(uint16_t off, uint32_t v) {
  if (index_ < 0) {
    m_.pf_cfg_write(off, v, 4);
  } else {
    m_.vf_cfg_write(static_cast<unsigned>(index_), off, v, 4);
  }
}

uint16_t SimFunction::Config::read16(uint16_t off) {
  return static_cast<uint16_t>(index_ < 0 ? m_.pf_cfg_read(off, 2)
                                          : m_.vf_cfg_read(static_cast<unsigned>(index_), off, 2));
}

void SimFunction::Config::write16(uint16_t off, uint16_t v) {
  if (index_ < 0) {
    m_.pf_cfg_write(off, v, 2);
  } else {
    m_.vf_cfg_write(static_cast<unsigned>(index_), off, v, 2);
  }
}

hal::DmaDomain& SimFunction::dma() {
  return index_ < 0 ? static_cast<hal::DmaDomain&>(model_.pf_dma())
                    : model_.vf_dma(static_cast<unsigned>(index_));
}

size_t SimFunction::num_vectors() const {
  return index_ < 0 ? hal::ixgbe::pf::kNumVectors : hal::ixgbe::vf::kNumVectors;
}

const hal::EventFd& SimFunction::vector(size_t i) const {
  return index_ < 0 ? model_.pf_vector(i) : model_.vf_vector(static_cast<unsigned>(index_), i);
}

std::string SimFunction::name() const {
  const uint16_t rid = index_ < 0 ? model_.pf_routing_id()
                                  : model_.vf_routing_id(static_cast<unsigned>(index_));
  return fmt::format("{}:0000:{:02x}:{:02x}.{:x}", model_.config().name, rid >> 8, (rid >> 3) & 0x1F,
                     rid & 7);
}

}  // namespace sim
