// The PF's bring-up and teardown as a bus analyser sees them: the register trace of init(),
// reset() and stop() on the simulated 82599 checked against the order of the datasheet's
// initialization sequence (4.6.3) and of Linux's ixgbe_down(); and what the device does with
// it (link on the wire, statistics, VFs).
#include <algorithm>
#include <functional>
#include <optional>
#include <vector>

#include "hal/ixgbe/ids.hpp"
#include "hal/sim/cable.hpp"
#include "hal/sim/device_model.hpp"
#include "pf_driver/hw_init.hpp"
#include "pf_rig.hpp"

using namespace pftest;
namespace reg = hal::ixgbe::pf;
using pf::EventCode;

namespace {

/// The PF's accesses, in order.
struct BusTrace {
  std::vector<sim::RegAccess> a;

  explicit BusTrace(sim::Device82599& dev) : dev_(dev) {
    dev.set_trace([this](const sim::RegAccess& x) {
      if (x.function < 0) a.push_back(x);
    });
  }
  ~BusTrace() { dev_.set_trace(nullptr); }
  BusTrace(const BusTrace&) = delete;
  BusTrace& operator=(const BusTrace&) = delete;

  /// Index of the first access at or after `from` that matches, or nullopt.
  std::optional<size_t> find(size_t from, const std::function<bool(const sim::RegAccess&)>& p) const {
    for (size_t i = from; i < a.size(); ++i) {
      if (p(a[i])) return i;
    }
    return std::nullopt;
  }
  /// The first BAR write of `r` at or after `from` whose value has all of `bits` set.
  std::optional<size_t> write_with(size_t from, hal::Reg32 r, uint32_t bits) const {
    return find(from, [&](const sim::RegAccess& x) {
      return x.space == sim::Space::kBar0 && x.write && x.offset == r.offset && (x.value & bits) == bits;
    });
  }
  /// The first BAR write of `r` at or after `from` whose value has none of `bits` set.
  std::optional<size_t> write_without(size_t from, hal::Reg32 r, uint32_t bits) const {
    return find(from, [&](const sim::RegAccess& x) {
      return x.space == sim::Space::kBar0 && x.write && x.offset == r.offset && (x.value & bits) == 0;
    });
  }
  /// The first BAR read of `r` at or after `from` that returned all of `bits` set.
  std::optional<size_t> read_with(size_t from, hal::Reg32 r, uint32_t bits) const {
    return find(from, [&](const sim::RegAccess& x) {
      return x.space == sim::Space::kBar0 && !x.write && x.offset == r.offset && (x.value & bits) == bits;
    });
  }
  std::optional<size_t> read_of(size_t from, hal::Reg32 r) const { return read_with(from, r, 0); }

 private:
  sim::Device82599& dev_;
};

/// Requires `steps` to be found and strictly increasing; names the first one out of place.
void require_order(const std::vector<std::pair<const char*, std::optional<size_t>>>& steps) {
  size_t last = 0;
  const char* prev = "start";
  for (const auto& [name, at] : steps) {
    INFO("step " << name << " (after " << prev << ")");
    REQUIRE(at.has_value());
    if (prev != std::string_view("start")) REQUIRE(*at > last);
    last = *at;
    prev = name;
  }
}

/// The interrupt mask written again after the reset (4.6.3.1).
std::optional<size_t> mask_after(const BusTrace& t, std::optional<size_t> reset) {
  if (!reset) return std::nullopt;
  return t.write_with(*reset + 1, reg::EIMC, reg::eicr::kAllMask);
}

}  // namespace

TEST_CASE("init() follows the datasheet 4.6.3 order", "[pf][init][bring-up]") {
  Rig r;
  BusTrace t(*r.dev);
  REQUIRE(r.pf.init().has_value());

  const auto mask = t.write_with(0, reg::EIMC, reg::eicr::kAllMask);
  const auto gio = t.write_with(0, reg::CTRL, reg::ctrl::kGioMasterDisable);
  const auto reset = t.write_with(0, reg::CTRL, reg::ctrl::kRst | reg::ctrl::kLrst);
  const auto mask2 = mask_after(t, reset);
  const auto ard = t.read_with(reset.value_or(0), reg::EEC, reg::eec::kArd);
  const auto dmaidone = t.read_with(reset.value_or(0), reg::RDRXCTL, reg::rdrxctl::kDmaIdone);
  const auto fc = t.write_with(dmaidone.value_or(0), reg::FCRTH(0), 0);
  const auto ns_dis = t.write_with(dmaidone.value_or(0), reg::CTRL_EXT, reg::ctrl_ext::kNsDis);
  const auto laser = t.write_with(dmaidone.value_or(0), reg::ESDP, reg::esdp::kSdp3Dir);
  const auto autoc = t.write_with(dmaidone.value_or(0), reg::AUTOC, reg::autoc::kLms10gSerial | reg::autoc::kRestartAn);
  const auto link = t.read_with(autoc.value_or(0), reg::LINKS, reg::links::kUp);
  const auto stats = t.read_of(link.value_or(0), reg::kClearOnReadStats.front());
  const auto rx_dis = t.write_with(stats.value_or(0), reg::SECRXCTRL, reg::secrxctrl::kRxDis);
  const auto rx_rdy = t.read_with(rx_dis.value_or(0), reg::SECRXSTAT, reg::secrxstat::kSecRxRdy);
  const auto rxen = t.write_with(rx_rdy.value_or(0), reg::RXCTRL, reg::rxctrl::kRxEn);
  const auto rx_on = t.write_without(rxen.value_or(0), reg::SECRXCTRL, reg::secrxctrl::kRxDis);
  const auto arbdis = t.write_with(rx_on.value_or(0), reg::RTTDCS, reg::rttdcs::kArbDis);
  const auto mtqc = t.find(arbdis.value_or(0), [](const sim::RegAccess& x) { return x.write && x.offset == reg::MTQC.offset; });
  const auto arb_on = t.write_without(mtqc.value_or(0), reg::RTTDCS, reg::rttdcs::kArbDis);
  const auto te = t.write_with(arb_on.value_or(0), reg::DMATXCTL, reg::dmatxctl::kTe);
  const auto vt = t.write_with(te.value_or(0), reg::VT_CTL, 0);
  const auto eims = t.write_with(vt.value_or(0), reg::EIMS, reg::eicr::kMailbox | reg::eicr::kLsc);
  const auto pfrstd = t.write_with(eims.value_or(0), reg::CTRL_EXT, reg::ctrl_ext::kPfrstd);
  require_order({{"EIMC mask", mask}, {"GIO master disable", gio}, {"CTRL.RST|LRST", reset},
                 {"EIMC mask again", mask2}, {"EEC.ARD read set", ard},
                 {"RDRXCTL.DMAIDONE read set", dmaidone}, {"flow control (FCRTH)", fc},
                 {"CTRL_EXT.NS_DIS", ns_dis}, {"laser on (ESDP)", laser},
                 {"AUTOC 10G serial + restart", autoc}, {"LINKS up", link},
                 {"statistics read", stats}, {"SECRXCTRL.RX_DIS", rx_dis},
                 {"SECRXSTAT.SECRX_RDY", rx_rdy}, {"RXCTRL.RXEN", rxen},
                 {"SECRXCTRL.RX_DIS clear", rx_on}, {"RTTDCS.ARBDIS", arbdis}, {"MTQC", mtqc},
                 {"RTTDCS.ARBDIS clear", arb_on}, {"DMATXCTL.TE", te}, {"VT_CTL", vt},
                 {"EIMS", eims}, {"CTRL_EXT.PFRSTD", pfrstd}});

  // 4.6.3: nothing but the interrupt mask, the reset and the two waits before DMA init is done.
  for (size_t i = 0; i < *dmaidone; ++i) {
    const uint32_t off = t.a[i].offset;
    INFO("access " << i << ": " << sim::format_access(t.a[i]));
    CHECK((off == reg::EIMC.offset || off == reg::CTRL.offset || off == reg::STATUS.offset ||
           off == reg::EEC.offset || off == reg::RDRXCTL.offset));
  }
  // Every statistics register read, between the link and RX init.
  for (const hal::Reg32 s : reg::kClearOnReadStats) {
    const auto at = t.read_of(*link, s);
    INFO("statistics register " << s.offset);
    REQUIRE(at.has_value());
    CHECK(*at < *rx_dis);
  }
  // The RX filter tables are cleared before receive goes on (4.6.7).
  const auto mta_clear = t.write_with(*stats, reg::MTA(reg::kNumMta - 1), 0);
  REQUIRE(mta_clear.has_value());
  CHECK(*mta_clear < *rxen);
  // Interrupts stay masked from the reset to the end: no EIMS write before the last step.
  CHECK(t.write_with(0, reg::EIMS, 0).value() == *eims);
}

TEST_CASE("init() leaves the registers of the bring-up as the datasheet asks", "[pf][init][bring-up]") {
  Rig r;
  REQUIRE(r.pf.init().has_value());
  // Flow control off, RTH still set (4.6.3.2).
  for (unsigned i = 0; i < reg::kNumFcTtv; ++i) CHECK(r.rd(reg::FCTTV(i)) == 0);
  CHECK(r.rd(reg::FCRTH(0)) == reg::rxpbsize::k512KB - reg::fcrth::kHeadroom);
  for (unsigned tc = 1; tc < reg::kNumTc; ++tc) CHECK(r.rd(reg::FCRTH(tc)) == 0);
  CHECK(r.rd(reg::FCRTL(0)) == 0);
  CHECK(r.rd(reg::FCRTV) == 0);
  CHECK(r.rd(reg::FCCFG) == 0);
  CHECK(r.rd(reg::MFLCN) == 0);
  CHECK((r.rd(reg::CTRL_EXT) & reg::ctrl_ext::kNsDis) != 0);
  // RX: CRC stripping in both places, the 82599's required RDRXCTL bits, one packet buffer.
  CHECK((r.rd(reg::HLREG0) & reg::hlreg0::kRxCrcStrp) != 0);
  const uint32_t rdrxctl = r.rd(reg::RDRXCTL);
  CHECK((rdrxctl & reg::rdrxctl::kCrcStrip) != 0);
  CHECK((rdrxctl & reg::rdrxctl::kRscAckc) != 0);
  CHECK((rdrxctl & reg::rdrxctl::kFcoeWrfix) != 0);
  CHECK(r.rd(reg::RXPBSIZE(0)) == reg::rxpbsize::k512KB);
  CHECK((r.rd(reg::RXCTRL) & reg::rxctrl::kRxEn) != 0);
  CHECK((r.rd(reg::SECRXCTRL) & reg::secrxctrl::kRxDis) == 0);
  // TX: the MAC adds the FCS and pads; one packet buffer; TE.
  CHECK((r.rd(reg::HLREG0) & (reg::hlreg0::kTxCrcEn | reg::hlreg0::kTxPadEn)) ==
        (reg::hlreg0::kTxCrcEn | reg::hlreg0::kTxPadEn));
  CHECK(r.rd(reg::TXPBSIZE(0)) == reg::txpbsize::k160KB);
  CHECK((r.rd(reg::DMATXCTL) & reg::dmatxctl::kTe) != 0);
  CHECK((r.rd(reg::RTTDCS) & reg::rttdcs::kArbDis) == 0);
  // Link.
  CHECK((r.rd(reg::AUTOC) & reg::autoc::kLmsMask) == reg::autoc::kLms10gSerial);
  CHECK(r.pf.link_up());
  CHECK(r.pf.link_mbps() == 10000);
}

TEST_CASE("init() with the cable unplugged succeeds with the link down, recorded", "[pf][init][bring-up]") {
  Rig r;
  r.dev->set_link(false);
  const hal::Nanos t0 = r.clock.now();
  REQUIRE(r.pf.init().has_value());
  CHECK_FALSE(r.pf.link_up());
  CHECK(r.clock.now() - t0 >= pf::kLinkUpTimeout);  // it waited, on the driver's clock
  const pf::Event* e = r.pf.events().find_last(EventCode::kPfInit);
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("link down"));
  // Plugged in later: the link change interrupt brings it up.
  r.dev->set_link(true);
  r.pf.service_once();
  CHECK(r.pf.link_up());
}

TEST_CASE("init() clears the statistics the MAC counted before it", "[pf][init][bring-up]") {
  // CTRL.RST zeroes the counters itself; what init()'s reads clear is what the MAC counted
  // after it. Here the cable is plugged in while init() waits for the link (after the reset's
  // settle time), and frames arrive at once.
  hal::ManualClock clock;
  const auto dev = sim::Device82599::create();
  auto wire = std::make_shared<sim::MemoryWire>();
  dev->set_wire(wire);
  dev->set_link(false);
  const hal::MacAddr other({0x02, 0x99, 0x00, 0x00, 0x00, 0x01});
  std::vector<uint8_t> frame(60, 0);
  std::copy_n(kPfMac.bytes().begin(), 6, frame.begin());
  std::copy_n(other.bytes().begin(), 6, frame.begin() + 6);
  for (int i = 0; i < 3; ++i) wire->inject(frame);
  const hal::Nanos t0 = clock.now();
  hal::SteppingWaiter waiter(clock, [&] {
    if (clock.now() > t0 + pf::kResetSettle) dev->set_link(true);
    while (dev->poll_once() != 0) {
    }
  });
  pf::PfDriver drv(dev->pf(), clock, waiter, options());
  BusTrace t(*dev);
  REQUIRE(drv.init().has_value());
  CHECK(drv.link_up());
  const auto gprc = t.read_of(0, reg::GPRC);
  REQUIRE(gprc.has_value());
  CHECK(t.a[*gprc].value == 3);  // init's read took the count...
  hal::RegisterIo& bar = dev->pf().bar0();
  CHECK(bar.read(reg::GPRC) == 0);  // ...and left zero
  CHECK(bar.read(reg::TPR) == 0);
  CHECK(bar.read(reg::GORCL) == 0);
}

TEST_CASE("reset() with VFs programs VT after TX init and before interrupts and PFRSTD", "[pf][init][bring-up]") {
  Rig r;
  r.up(4);
  BusTrace t(*r.dev);
  REQUIRE(r.pf.reset().has_value());
  const auto reset = t.write_with(0, reg::CTRL, reg::ctrl::kRst | reg::ctrl::kLrst);
  const auto autoc = t.write_with(reset.value_or(0), reg::AUTOC, reg::autoc::kRestartAn);
  const auto rxen = t.write_with(autoc.value_or(0), reg::RXCTRL, reg::rxctrl::kRxEn);
  const auto te = t.write_with(rxen.value_or(0), reg::DMATXCTL, reg::dmatxctl::kTe);
  const auto vt = t.write_with(te.value_or(0), reg::VT_CTL, reg::vt_ctl::kVtEnable);
  const auto eims = t.write_with(vt.value_or(0), reg::EIMS, reg::eicr::kMailbox);
  const auto pfrstd = t.write_with(eims.value_or(0), reg::CTRL_EXT, reg::ctrl_ext::kPfrstd);
  require_order({{"CTRL.RST|LRST", reset}, {"AUTOC restart", autoc}, {"RXCTRL.RXEN", rxen},
                 {"DMATXCTL.TE", te}, {"VT_CTL.VT_ENABLE", vt}, {"EIMS", eims},
                 {"CTRL_EXT.PFRSTD", pfrstd}});
  CHECK(r.pf.num_vfs() == 4);
  CHECK(r.pf.link_up());
}

TEST_CASE("stop() tears down in Linux's ixgbe_down order and is idempotent", "[pf][stop][bring-up]") {
  Rig r;
  r.up(2);
  auto wire = std::make_shared<sim::MemoryWire>();
  r.dev->set_wire(wire);
  REQUIRE(wire->tx_signal());
  {
    BusTrace t(*r.dev);
    r.pf.stop();
    const auto rx_dis = t.write_with(0, reg::SECRXCTRL, reg::secrxctrl::kRxDis);
    const auto rx_off = t.write_without(rx_dis.value_or(0), reg::RXCTRL, reg::rxctrl::kRxEn);
    const auto mask = t.write_with(rx_off.value_or(0), reg::EIMC, reg::eicr::kAllMask);
    const auto ping = t.find(mask.value_or(0), [](const sim::RegAccess& x) {
      return x.write && x.offset == reg::PFMAILBOX(0).offset && (x.value & reg::pfmailbox::kSts) != 0;
    });
    const auto vfre = t.write_with(ping.value_or(0), reg::VFRE(0), 0);
    const auto sriov_off = t.find(vfre.value_or(0), [](const sim::RegAccess& x) {
      return x.space == sim::Space::kConfig && x.write;
    });
    const auto te_off = t.write_without(sriov_off.value_or(0), reg::DMATXCTL, reg::dmatxctl::kTe);
    const auto released = t.write_without(te_off.value_or(0), reg::CTRL_EXT,
                                          reg::ctrl_ext::kPfrstd | reg::ctrl_ext::kDrvLoad);
    const auto dark = t.write_with(released.value_or(0), reg::ESDP, reg::esdp::kSdp3);
    require_order({{"SECRXCTRL.RX_DIS", rx_dis}, {"RXCTRL.RXEN clear", rx_off},
                   {"EIMC mask", mask}, {"VF ping", ping}, {"VFRE 0", vfre},
                   {"SR-IOV off (config)", sriov_off}, {"DMATXCTL.TE clear", te_off},
                   {"CTRL_EXT PFRSTD|DRV_LOAD clear", released}, {"laser off", dark}});
    // Nothing is written after the laser goes off.
    CHECK_FALSE(t.find(*dark + 1, [](const sim::RegAccess& x) { return x.write; }).has_value());
  }
  CHECK(r.dev->num_vfs() == 0);
  CHECK(r.pf.num_vfs() == 0);
  CHECK_FALSE(wire->tx_signal());
  CHECK((r.rd(reg::LINKS) & reg::links::kUp) == 0);
  CHECK(r.rd(reg::EIMS) == 0);
  CHECK(r.count(EventCode::kPfStopped) == 1);
  // Not initialized any more; a second stop() touches nothing.
  CHECK(r.pf.set_num_vfs(1).error().code == pf::ErrorCode::kNotInitialized);
  BusTrace t2(*r.dev);
  r.pf.stop();
  CHECK(t2.a.empty());
  CHECK(r.count(EventCode::kPfStopped) == 1);
}

TEST_CASE("stop() before init() touches nothing", "[pf][stop][bring-up]") {
  Rig r;
  BusTrace t(*r.dev);
  r.pf.stop();
  CHECK(t.a.empty());
  CHECK(r.count(EventCode::kPfStopped) == 0);
}

TEST_CASE("A cable's far end sees the link go down at stop() and up at init()", "[pf][stop][bring-up]") {
  auto cable = sim::make_cable(16);
  REQUIRE(cable.has_value());
  Rig r;
  r.dev->set_wire(cable->a);
  const auto peer = sim::Device82599::create();
  peer->set_wire(cable->b);
  hal::RegisterIo& pb = peer->pf().bar0();
  const auto peer_up = [&] { return (pb.read(reg::LINKS) & reg::links::kUp) != 0; };

  r.up(2);
  CHECK(peer_up());
  r.pf.stop();
  CHECK_FALSE(peer_up());
  CHECK_FALSE(cable->b->rx_signal());
  REQUIRE(r.pf.init().has_value());
  CHECK(peer_up());
  CHECK(r.pf.link_up());
}

TEST_CASE("init() -> stop() -> init() with VFs: the VFs come back and talk to the PF", "[pf][stop][bring-up]") {
  Rig r;
  r.up(2);
  {
    Vf vf(r, 1);
    vf.ready();
  }
  r.pf.stop();
  CHECK_FALSE(r.dev->vf(hal::VfId(1)).has_value());
  REQUIRE(r.pf.init().has_value());
  CHECK(r.count(EventCode::kPfInit) == 2);
  REQUIRE(r.pf.set_num_vfs(2).has_value());
  CHECK(r.dev->num_vfs() == 2);
  Vf vf(r, 1);
  vf.ready();
  CHECK(r.pf.vf_info(hal::VfId(1)).clear_to_send);
  CHECK((r.rd(reg::CTRL_EXT) & reg::ctrl_ext::kPfrstd) != 0);
  CHECK((r.rd(reg::RXCTRL) & reg::rxctrl::kRxEn) != 0);
  CHECK((r.rd(reg::DMATXCTL) & reg::dmatxctl::kTe) != 0);
}
