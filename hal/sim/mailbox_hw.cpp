// Mailbox hardware of the simulated 82599 (spec 3a): buffer lock arbitration, the REQ/ACK/STS
// doorbells, read-to-clear status bits and the interrupts they raise.
#include "hal/sim/device_model.hpp"

namespace sim {

namespace pfr = hal::ixgbe::pf;
namespace vmb = hal::ixgbe::vf::vfmailbox;

uint32_t DeviceModel::read_pfmailbox(unsigned vf) const {
  // STS, ACK and RVFU are commands and read as zero; VFU mirrors the VF's lock.
  const VfHw& h = vfs_[vf];
  return (h.vfu ? pfr::pfmailbox::kVfu : 0) | (h.pfu ? pfr::pfmailbox::kPfu : 0);
}

void DeviceModel::write_pfmailbox(unsigned vf, uint32_t v) {
  VfHw& h = vfs_[vf];
  if (v & pfr::pfmailbox::kRvfu) h.vfu = false;
  // A side may take its lock only while the other side's is clear; writing 0 releases it.
  if (v & pfr::pfmailbox::kPfu) {
    if (!h.vfu) h.pfu = true;
  } else {
    h.pfu = false;
  }
  if (v & pfr::pfmailbox::kSts) {
    h.pfsts = true;
    raise_vf_misc(vf);
  }
  if (v & pfr::pfmailbox::kAck) {
    h.pfack = true;
    raise_vf_misc(vf);
  }
}

uint32_t DeviceModel::read_vfmailbox(unsigned vf) {
  VfHw& h = vfs_[vf];
  const uint32_t v = (h.vfu ? vmb::kVfu : 0) | (h.pfu ? vmb::kPfu : 0) |
                     (h.pfsts ? vmb::kPfsts : 0) | (h.pfack ? vmb::kPfack : 0) |
                     (h.rsti ? vmb::kRsti : 0) | (h.rstd ? vmb::kRstd : 0);
  // PFSTS, PFACK and RSTD clear when read; RSTI is a level.
  h.pfsts = h.pfack = h.rstd = false;
  return v;
}

void DeviceModel::write_vfmailbox(unsigned vf, uint32_t v) {
  VfHw& h = vfs_[vf];
  if (v & vmb::kVfu) {
    if (!h.pfu) h.vfu = true;
  } else {
    h.vfu = false;
  }
  if (v & vmb::kReq) raise_mbvficr(pfr::mbvficr::req_bit(vf), vf);
  if (v & vmb::kAck) raise_mbvficr(pfr::mbvficr::ack_bit(vf), vf);
}

void DeviceModel::raise_mbvficr(uint32_t bit, unsigned vf) {
  reg(pfr::MBVFICR(vf / 16)) |= bit;
  // MBVFIMR gates the interrupt, not the status bit (assumption; see docs/sim-model.md).
  if (reg(pfr::MBVFIMR(vf / 16)) & bit) raise_pf_cause(pfr::eicr::kMailbox);
}

}  // namespace sim
