// The flood guard's disable is a flag of its own: the VF's link is off while the
// administrator's link state OR the guard says so. The administrator's setting is never
// overwritten, only their `state auto|enable` clears the guard's flag, and an FLR (which the
// guest can do to itself) clears neither the flag nor the flood history.
#include "flood_rig.hpp"

using namespace pftest;
namespace reg = hal::ixgbe::pf;
using mbx::MsgId;
using pf::EventCode;
using pf::LinkState;

namespace {

/// GET_LINK_STATE as the VF sees it after a VF_RESET: 1 = enabled.
uint32_t link_state_seen(Rig& r, Vf& vf) {
  drain(r, vf);
  r.clock.advance(1s);  // a full bucket for the exchange
  vf.ready(mbx::Api::k13);
  const mbx::Message m = vf.send(mbx::GetLinkStateReq{}.encode(), 2);
  REQUIRE(m.w[0] == ack_cts(MsgId::kGetLinkState));
  return m.w[1];
}

}  // namespace

TEST_CASE("the guard's disable keeps the administrator's link state, state auto or enable "
          "clears it, state disable given meanwhile outlives the VF's FLR",
          "[pf][flood][admin]") {
  Rig r(flood_options(1000, 16, 2s));
  r.up(1);
  Vf vf(r, 0);
  REQUIRE(r.pf.set_vf_link_state(vf.id(), LinkState::kEnable).has_value());
  vf.ready(mbx::Api::k13);
  flood(r, vf, 2500ms);
  REQUIRE(r.count(EventCode::kMailboxFloodDisabled) == 1);
  pf::VfInfo info = r.pf.vf_info(vf.id());
  CHECK(info.link_state == LinkState::kEnable);  // the administrator's, untouched
  CHECK_FALSE(info.link_enable);
  CHECK_FALSE(pool_enabled(r, reg::VFRE, 0));
  CHECK(r.pf.events()
            .find_last(EventCode::kMailboxFloodDisabled)
            ->reason.contains("admin link state enable kept"));

  SECTION("state auto lets it back in, and the guard starts over") {
    drain(r, vf);
    REQUIRE(r.pf.set_vf_link_state(vf.id(), LinkState::kAuto).has_value());
    REQUIRE(r.count(EventCode::kMailboxFloodCleared) == 1);
    CHECK(
        r.pf.events().find_last(EventCode::kMailboxFloodCleared)->reason.contains("administrator"));
    CHECK(pool_enabled(r, reg::VFRE, 0));
    CHECK(link_state_seen(r, vf) == 1);
    info = r.pf.vf_info(vf.id());
    CHECK(info.link_enable);
    CHECK(info.link_state == LinkState::kAuto);
    // A new flood takes the full time again.
    flood(r, vf, 1500ms);
    CHECK(r.count(EventCode::kMailboxFloodDisabled) == 1);
    flood(r, vf, 1s);
    CHECK(r.count(EventCode::kMailboxFloodDisabled) == 2);
  }
  SECTION("state disable meanwhile: kept across the VF's FLR; enable later clears both") {
    REQUIRE(r.pf.set_vf_link_state(vf.id(), LinkState::kDisable).has_value());
    CHECK(r.count(EventCode::kMailboxFloodCleared) == 0);
    vf.flr();
    r.pf.service_once();
    info = r.pf.vf_info(vf.id());
    CHECK(info.link_state == LinkState::kDisable);
    CHECK_FALSE(info.link_enable);
    CHECK(link_state_seen(r, vf) == 0);
    CHECK_FALSE(pool_enabled(r, reg::VFRE, 0));
    CHECK(r.count(EventCode::kMailboxFloodCleared) == 0);
    REQUIRE(r.pf.set_vf_link_state(vf.id(), LinkState::kEnable).has_value());
    CHECK(r.count(EventCode::kMailboxFloodCleared) == 1);
    CHECK(link_state_seen(r, vf) == 1);
    CHECK(pool_enabled(r, reg::VFRE, 0));
  }
}

TEST_CASE("a VF that FLRs itself stays disabled, and keeps its flood history",
          "[pf][flood][flr]") {
  Rig r(flood_options(1000, 16, 3s));
  r.up(1);
  Vf vf(r, 0);
  vf.ready(mbx::Api::k13);
  SECTION("an FLR does not re-enable a disabled VF") {
    flood(r, vf, 3500ms);
    REQUIRE(r.count(EventCode::kMailboxFloodDisabled) == 1);
    vf.flr();
    r.pf.service_once();
    CHECK(r.count(EventCode::kMailboxFloodCleared) == 0);
    const pf::VfInfo info = r.pf.vf_info(vf.id());
    CHECK(info.link_state == LinkState::kAuto);
    CHECK_FALSE(info.link_enable);
    CHECK(link_state_seen(r, vf) == 0);  // its VF_RESET does not turn RX/TX back on
    CHECK_FALSE(pool_enabled(r, reg::VFRE, 0));
    CHECK_FALSE(pool_enabled(r, reg::VFTE, 0));
  }
  SECTION("an FLR in the middle of a flood does not restart the count") {
    flood(r, vf, 2500ms);
    CHECK(r.count(EventCode::kMailboxFloodDisabled) == 0);
    vf.flr();
    r.pf.service_once();
    flood(r, vf, 1s);  // 3.5 s of flooding in all: past disable_after
    CHECK(r.count(EventCode::kMailboxFloodDisabled) == 1);
  }
}
