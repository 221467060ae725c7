// PF bring-up and sysfs-style VF enable/disable.
#include "hal/ixgbe/ids.hpp"
#include "hal/pci_regs.hpp"
#include "hal/sim/device_model.hpp"
#include "pf_rig.hpp"

using namespace pftest;
namespace reg = hal::ixgbe::pf;
namespace sr = hal::pci::sriov;
using pf::ErrorCode;
using pf::EventCode;

namespace {
uint16_t sriov_ctrl(Rig& r) {
  hal::ConfigSpace& c = r.dev->pf().config();
  return c.read16(c.find_ext_capability(hal::pci::kExtCapIdSriov) + sr::kCtrl);
}
uint16_t sriov_numvfs(Rig& r) {
  hal::ConfigSpace& c = r.dev->pf().config();
  return c.read16(c.find_ext_capability(hal::pci::kExtCapIdSriov) + sr::kNumVfs);
}
}  // namespace

TEST_CASE("init resets the chip, programs RAR 0, MSI-X other cause and PFRSTD", "[pf][init]") {
  Rig r;
  REQUIRE(r.pf.init().has_value());
  CHECK(r.dev->model().pf_reset_count() == 1);
  CHECK(r.rar_is(0, kPfMac, 0));
  CHECK((r.rd(reg::CTRL_EXT) & reg::ctrl_ext::kPfrstd) != 0);
  const uint32_t gpie = r.rd(reg::GPIE);
  CHECK((gpie & reg::gpie::kMsixMode) != 0);
  CHECK((gpie & reg::gpie::kPbaSupport) != 0);
  CHECK((gpie & reg::gpie::kEiame) != 0);
  CHECK((gpie & reg::gpie::kOcd) != 0);
  CHECK(r.rd(reg::IVAR_MISC) == (reg::ivar::kValid << reg::ivar::kMiscOtherShift));
  const uint32_t eims = r.rd(reg::EIMS);
  CHECK((eims & reg::eicr::kMailbox) != 0);
  CHECK((eims & reg::eicr::kLsc) != 0);
  CHECK(r.rd(reg::MAXFRS) >> reg::maxfrs::kMfsShift == 1518);
  CHECK((r.rd(reg::MCSTCTRL) & reg::mcstctrl::kMfe) != 0);
  CHECK(r.count(EventCode::kPfInit) == 1);
  CHECK(r.pf.num_vfs() == 0);
  CHECK(r.pf.num_pools() == 0);
}

TEST_CASE("init refuses an MTU outside 68..9710 and a PF without a MAC", "[pf][init]") {
  SECTION("MTU too large") {
    Rig r(options(9711));
    auto i = r.pf.init();
    REQUIRE_FALSE(i.has_value());
    CHECK(i.error().code == ErrorCode::kInvalidArgument);
  }
  SECTION("no configured MAC and none in the EEPROM") {
    pf::PfOptions o = options();
    o.mac = hal::MacAddr{};
    Rig r(o);
    auto i = r.pf.init();
    REQUIRE_FALSE(i.has_value());
    CHECK(i.error().code == ErrorCode::kInvalidArgument);
    CHECK(r.count(EventCode::kPfInitFailed) == 1);
    // Not up: the service does nothing and admin calls are refused.
    CHECK(r.pf.service_once() == 0);
    CHECK(r.pf.set_num_vfs(1).error().code == ErrorCode::kNotInitialized);
  }
}

TEST_CASE("set_num_vfs with 4 VFs selects 32 pools x 4 queues and enables the functions",
          "[pf][numvfs]") {
  Rig r;
  r.up(4);
  CHECK(r.pf.num_vfs() == 4);
  CHECK(r.pf.num_pools() == 32);
  CHECK(r.pf.queues_per_pool() == 4);
  CHECK((r.rd(reg::GCR_EXT) & reg::gcr_ext::kVtModeMask) == reg::gcr_ext::kVtMode32);
  CHECK((r.rd(reg::GPIE) & reg::gpie::kVtModeMask) == reg::gpie::kVtMode32);
  CHECK(r.rd(reg::MTQC) == (reg::mtqc::kVtEna | reg::mtqc::k32Pools4Q));
  CHECK((r.rd(reg::RTTDCS) & reg::rttdcs::kArbDis) == 0);
  CHECK((r.rd(reg::MRQC) & reg::mrqc::kMrqeMask) == reg::mrqc::kVmdq32Rss);
  CHECK(r.rd(reg::VT_CTL) ==
        (reg::vt_ctl::kVtEnable | reg::vt_ctl::kReplEn | (4u << reg::vt_ctl::kDefPlShift)));
  // PF pool (4) and the pools above it on; VF pools off until each VF resets.
  CHECK(r.rd(reg::VFRE(0)) == (~0u << 4));
  CHECK(r.rd(reg::VFTE(0)) == (~0u << 4));
  CHECK(r.rd(reg::VFRE(1)) == ~0u);
  CHECK(r.rar_is(0, kPfMac, 4));
  CHECK(r.vlan_has(0, 4));
  CHECK((r.rd(reg::PFDTXGSWC) & reg::pfdtxgswc::kVtLben) != 0);
  CHECK(r.rd(reg::MBVFIMR(0)) != 0);
  // Spoof check on for every VF by default.
  CHECK((r.rd(reg::PFVFSPOOF(0)) & 0x0F0F) == 0x0F0F);
  // Config space: ARI, NumVFs, VF Enable | MSE; the VF functions exist.
  const uint16_t ctrl = sriov_ctrl(r);
  CHECK((ctrl & (sr::kCtrlVfe | sr::kCtrlMse | sr::kCtrlAri)) ==
        (sr::kCtrlVfe | sr::kCtrlMse | sr::kCtrlAri));
  CHECK(sriov_numvfs(r) == 4);
  CHECK(r.dev->num_vfs() == 4);
  const pf::VfInfo info = r.pf.vf_info(hal::VfId(3));
  CHECK(info.exists);
  CHECK(info.spoofchk);
  CHECK(info.link_enable);
  CHECK(info.link_state == pf::LinkState::kAuto);
  CHECK_FALSE(info.trusted);
  CHECK_FALSE(info.rss_query);
  CHECK_FALSE(info.clear_to_send);
  CHECK(info.xcast == mbx::XcastMode::kNone);
  CHECK_FALSE(r.pf.vf_info(hal::VfId(4)).exists);
  CHECK(r.count(EventCode::kVfsEnabled) == 1);
}

TEST_CASE("set_num_vfs with 32 VFs needs 33 pools and selects 64 pools x 2 queues",
          "[pf][numvfs]") {
  Rig r;
  r.up(32);
  CHECK(r.pf.num_pools() == 64);
  CHECK(r.pf.queues_per_pool() == 2);
  CHECK((r.rd(reg::GCR_EXT) & reg::gcr_ext::kVtModeMask) == reg::gcr_ext::kVtMode64);
  CHECK((r.rd(reg::GPIE) & reg::gpie::kVtModeMask) == reg::gpie::kVtMode64);
  CHECK(r.rd(reg::MTQC) == (reg::mtqc::kVtEna | reg::mtqc::k64Pools2Q));
  CHECK((r.rd(reg::MRQC) & reg::mrqc::kMrqeMask) == reg::mrqc::kVmdq64Rss);
  CHECK(r.rd(reg::VFRE(0)) == 0);
  CHECK(r.rd(reg::VFRE(1)) == ~0u);  // PF pool 32 and up
  CHECK(r.rar_is(0, kPfMac, 32));
}

TEST_CASE("set_num_vfs follows sysfs sriov_numvfs semantics", "[pf][numvfs]") {
  Rig r;
  r.up(2);
  SECTION("more than 63 VFs is refused") {
    auto e = r.pf.set_num_vfs(64);
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().code == ErrorCode::kInvalidArgument);
    CHECK(r.pf.num_vfs() == 2);
  }
  SECTION("a non-zero count cannot change to another non-zero count") {
    auto e = r.pf.set_num_vfs(3);
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().code == ErrorCode::kBusy);
    CHECK(r.pf.num_vfs() == 2);
    CHECK(r.count(EventCode::kAdminRefused) == 1);
  }
  SECTION("the same count again succeeds and changes nothing") {
    REQUIRE(r.pf.set_num_vfs(2).has_value());
    CHECK(r.count(EventCode::kVfsEnabled) == 1);
  }
  SECTION("0 disables the VFs and VT mode; then another count works") {
    REQUIRE(r.pf.set_num_vfs(0).has_value());
    CHECK(r.pf.num_vfs() == 0);
    CHECK(r.dev->num_vfs() == 0);
    CHECK((sriov_ctrl(r) & sr::kCtrlVfe) == 0);
    CHECK(sriov_numvfs(r) == 0);
    CHECK_FALSE(r.dev->vf(hal::VfId(0)).has_value());
    CHECK(r.rd(reg::VT_CTL) == 0);
    CHECK((r.rd(reg::GCR_EXT) & reg::gcr_ext::kVtModeMask) == 0);
    CHECK(r.rd(reg::MTQC) == 0);
    CHECK(r.rd(reg::PFVFSPOOF(0)) == 0);
    CHECK(r.rar_is(0, kPfMac, 0));
    CHECK(r.count(EventCode::kVfsDisabled) == 1);
    REQUIRE(r.pf.set_num_vfs(40).has_value());
    CHECK(r.pf.num_pools() == 64);
    CHECK(r.dev->num_vfs() == 40);
  }
}

TEST_CASE("init disables VFs an earlier owner left enabled", "[pf][init]") {
  Rig r;
  r.up(3);
  pf::PfDriver second(r.dev->pf(), r.clock, r.pf_waiter, options());
  REQUIRE(second.init().has_value());
  CHECK(r.dev->num_vfs() == 0);
  CHECK(second.num_vfs() == 0);
}
