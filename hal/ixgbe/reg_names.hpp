#pragma once
// Datasheet names of the 82599 BAR0 registers sriovkit uses, by offset, for traces a person reads
// (hal/tracing_function.hpp). Built from the definitions in regs_pf.hpp and regs_vf.hpp, so an
// offset lives in one place only; a register not defined there has no name here.

#include <cstdint>
#include <string_view>

namespace hal::ixgbe {

/// The PF register at `offset` ("CTRL", "PFMAILBOX(3)", "RDT(17)", "PFMBMEM(2,5)"), or "" when
/// sriovkit defines none there. Indexed registers carry their index as the macros of the
/// datasheet do. Thread-safe; the text lives as long as the program.
std::string_view pf_reg_name(uint32_t offset);

/// The same for a VF's BAR0 ("VFMAILBOX", "VFRDT(1)").
std::string_view vf_reg_name(uint32_t offset);

}  // namespace hal::ixgbe
