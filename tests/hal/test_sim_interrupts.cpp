#include <catch2/catch.hpp>

#include "sim_fixture.hpp"

using namespace test;
namespace vmb = vfr::vfmailbox;

namespace {
void route_pf_other_to_vector0(hal::RegisterIo& pf) {
  pf.write(pfr::GPIE, pfr::gpie::kMsixMode);
  pf.write(pfr::IVAR_MISC, pfr::ivar::kValid << pfr::ivar::kMiscOtherShift);
}
}  // namespace

TEST_CASE("A VF request signals the PF's other vector only when unmasked", "[sim][irq]") {
  auto dev = ready_device(2);
  auto& pf = dev->pf().bar0();
  route_pf_other_to_vector0(pf);
  const auto& fd = dev->pf().vector(0);
  fd.drain();
  vf_bar(*dev, 1).write(vfr::VFMAILBOX, vmb::kReq);
  CHECK(fd.drain() == 0);  // EIMS masks MAILBOX
  CHECK((pf.read(pfr::EICS) & pfr::eicr::kMailbox) != 0);
  pf.write(pfr::EIMS, pfr::eicr::kMailbox);  // unmasking a pending cause fires it
  CHECK(fd.drain() == 1);
  CHECK((pf.read(pfr::EICR) & pfr::eicr::kMailbox) != 0);
  CHECK(pf.read(pfr::EICR) == 0);  // read-to-clear
  vf_bar(*dev, 0).write(vfr::VFMAILBOX, vmb::kReq);
  CHECK(fd.drain() == 1);
}

TEST_CASE("MBVFIMR gates the mailbox interrupt but not MBVFICR", "[sim][irq]") {
  auto dev = ready_device(2);
  auto& pf = dev->pf().bar0();
  route_pf_other_to_vector0(pf);
  pf.write(pfr::EIMS, pfr::eicr::kMailbox);
  pf.write(pfr::MBVFIMR(0), 0);
  dev->pf().vector(0).drain();
  vf_bar(*dev, 1).write(vfr::VFMAILBOX, vmb::kReq);
  CHECK(dev->pf().vector(0).drain() == 0);
  CHECK(pf.read(pfr::MBVFICR(0)) == pfr::mbvficr::req_bit(1));
}

TEST_CASE("PF STS signals the VF's mailbox vector with auto-mask", "[sim][irq]") {
  auto dev = ready_device(1);
  auto& vf = vf_bar(*dev, 0);
  vf.write(vfr::VFIVAR_MISC, vfr::vfivar::kValid | 2);
  vf.write(vfr::VFEIAM, 0x4);
  vf.write(vfr::VFEIMS, 0x4);
  const auto& fd = dev->vf(hal::VfId{0}).value()->vector(2);
  fd.drain();
  dev->pf().bar0().write(pfr::PFMAILBOX(0), pfr::pfmailbox::kSts);
  CHECK(fd.drain() == 1);
  CHECK(vf.read(vfr::VFEIMS) == 0);  // auto-masked
  CHECK(vf.read(vfr::VFEICR) == 0x4);
  CHECK(vf.read(vfr::VFEICR) == 0);
  dev->pf().bar0().write(pfr::PFMAILBOX(0), pfr::pfmailbox::kSts);
  CHECK(fd.drain() == 0);  // masked now
  vf.write(vfr::VFEIMS, 0x4);
  CHECK(fd.drain() == 1);
}

TEST_CASE("Link change raises LSC and shows in LINKS and VFLINKS", "[sim][irq]") {
  auto dev = ready_device(1);
  auto& pf = dev->pf().bar0();
  CHECK((pf.read(pfr::LINKS) & pfr::links::kUp) != 0);
  CHECK((vf_bar(*dev, 0).read(vfr::VFLINKS) & vfr::vflinks::kUp) != 0);
  dev->set_link(false);
  CHECK((pf.read(pfr::EICR) & pfr::eicr::kLsc) != 0);
  CHECK((pf.read(pfr::LINKS) & pfr::links::kUp) == 0);
  CHECK((vf_bar(*dev, 0).read(vfr::VFLINKS) & vfr::vflinks::kUp) == 0);
}

TEST_CASE("Register trace sees every access with its value", "[sim][trace]") {
  auto dev = ready_device(1);
  std::vector<sim::RegAccess> seen;
  dev->set_trace([&](const sim::RegAccess& a) { seen.push_back(a); });
  vf_bar(*dev, 0).write(vfr::VFMBMEM(0), 0x42);
  (void)dev->pf().bar0().read(pfr::PFMBMEM(0, 0));
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].function == 0);
  CHECK(seen[0].write);
  CHECK(seen[1].function == -1);
  CHECK(seen[1].value == 0x42);
  CHECK(sim::format_access(seen[1]) == "pf   R bar0 0x13000 00000042");
}
