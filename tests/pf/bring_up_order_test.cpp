// The PF's bring-up and teardown as a bus analyser sees them: the register trace of init(),
// reset() and stop() on the simulated 82599 checked against the order of the datasheet's
// initialization sequence (4.6.3, up to TX init), then Linux's (ixgbe_configure: VT, TX, RX
// with RXEN last; ixgbe_down for stop()), with the values written; and what the device does
// with it (link on the wire, statistics, VFs).
#include <algorithm>
#include <functional>
#include <optional>
#include <vector>

#include "hal/ixgbe/ids.hpp"
#include "hal/tracing_function.hpp"
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

namespace {
/// The value of the first BAR write of `r` (nullopt: none).
std::optional<uint32_t> first_written_value(const BusTrace& t, hal::Reg32 r) {
  const auto at = t.find(0, [&](const sim::RegAccess& x) {
    return x.space == sim::Space::kBar0 && x.write && x.offset == r.offset;
  });
  if (!at) return std::nullopt;
  return t.a[*at].value;
}
}  // namespace

TEST_CASE("init() follows the datasheet 4.6.3 order to TX init, then Linux's VT, TX, RX", "[pf][init][bring-up]") {
  Rig r;
  BusTrace t(*r.dev);
  REQUIRE(r.pf.init().has_value());

  // Datasheet order (4.6.3, 5.2.5.3.2, 4.6.4, 4.6.5, 4.6.7, 4.6.8).
  const auto mask = t.write_with(0, reg::EIMC, reg::eicr::kAllMask);
  const auto gio = t.write_with(0, reg::CTRL, reg::ctrl::kGioMasterDisable);
  const auto links0 = t.read_of(gio.value_or(0), reg::LINKS);  // RST or LRST (Linux)
  const auto reset = t.write_with(0, reg::CTRL, reg::ctrl::kRst);
  const auto mask2 = mask_after(t, reset);
  const auto ard = t.read_with(reset.value_or(0), reg::EEC, reg::eec::kArd);
  const auto dmaidone = t.read_with(reset.value_or(0), reg::RDRXCTL, reg::rdrxctl::kDmaIdone);
  const auto fc = t.write_with(dmaidone.value_or(0), reg::FCRTH(0), 0);
  const auto ns_dis = t.write_with(dmaidone.value_or(0), reg::CTRL_EXT, reg::ctrl_ext::kNsDis);
  const auto autoc2 = t.read_of(ns_dis.value_or(0), reg::AUTOC2);
  const auto eerd = t.write_with(autoc2.value_or(0), reg::EERD, reg::eerd::kStart);  // LESM check
  const auto laser = t.write_with(eerd.value_or(0), reg::ESDP, reg::esdp::kSdp3Dir);
  const auto link = t.read_with(laser.value_or(0), reg::LINKS, reg::links::kUp);
  const auto stats = t.read_of(link.value_or(0), reg::kClearOnReadStats.front());
  const auto rdrxctl = t.find(stats.value_or(0), [](const sim::RegAccess& x) { return x.write && x.offset == reg::RDRXCTL.offset; });
  const auto dtx = t.write_with(rdrxctl.value_or(0), reg::DTXMXSZRQ, 0);
  // Linux order from here (ixgbe_configure, ixgbe_up_complete).
  const auto vt = t.write_with(dtx.value_or(0), reg::VT_CTL, 0);
  const auto arbdis = t.write_with(vt.value_or(0), reg::RTTDCS, reg::rttdcs::kArbDis);
  const auto mtqc = t.find(arbdis.value_or(0), [](const sim::RegAccess& x) { return x.write && x.offset == reg::MTQC.offset; });
  const auto arb_on = t.write_without(mtqc.value_or(0), reg::RTTDCS, reg::rttdcs::kArbDis);
  const auto te = t.write_with(arb_on.value_or(0), reg::DMATXCTL, reg::dmatxctl::kTe);
  const auto rx_dis = t.write_with(te.value_or(0), reg::SECRXCTRL, reg::secrxctrl::kRxDis);
  const auto rx_rdy = t.read_with(rx_dis.value_or(0), reg::SECRXSTAT, reg::secrxstat::kSecRxRdy);
  const auto rxen = t.write_with(rx_rdy.value_or(0), reg::RXCTRL, reg::rxctrl::kRxEn);
  const auto rx_on = t.write_without(rxen.value_or(0), reg::SECRXCTRL, reg::secrxctrl::kRxDis);
  const auto eicr = t.read_of(rx_on.value_or(0), reg::EICR);
  const auto eims = t.write_with(eicr.value_or(0), reg::EIMS, reg::eicr::kMailbox | reg::eicr::kLsc);
  const auto relink = t.read_of(eims.value_or(0), reg::LINKS);
  const auto pfrstd = t.write_with(relink.value_or(0), reg::CTRL_EXT, reg::ctrl_ext::kPfrstd);
  require_order({{"[datasheet] EIMC mask", mask}, {"[datasheet] GIO master disable", gio},
                 {"[Linux] LINKS read for the reset kind", links0},
                 {"[datasheet] CTRL.RST (link up)", reset}, {"[datasheet] EIMC mask again", mask2},
                 {"[datasheet] EEC.ARD read set", ard},
                 {"[datasheet] RDRXCTL.DMAIDONE read set", dmaidone},
                 {"[datasheet] flow control (FCRTH)", fc}, {"[datasheet] CTRL_EXT.NS_DIS", ns_dis},
                 {"[Linux] AUTOC2 checked", autoc2}, {"[Linux] LESM check (EERD)", eerd},
                 {"[Linux] laser on (ESDP)", laser}, {"[datasheet] LINKS up", link},
                 {"[datasheet] statistics read", stats}, {"[datasheet] RDRXCTL", rdrxctl},
                 {"[datasheet] DTXMXSZRQ", dtx}, {"[Linux] VT_CTL", vt},
                 {"[Linux] RTTDCS.ARBDIS", arbdis}, {"[Linux] MTQC", mtqc},
                 {"[Linux] RTTDCS.ARBDIS clear", arb_on}, {"[Linux] DMATXCTL.TE", te},
                 {"[Linux] SECRXCTRL.RX_DIS", rx_dis}, {"[Linux] SECRXSTAT.SECRX_RDY", rx_rdy},
                 {"[Linux] RXCTRL.RXEN", rxen}, {"[Linux] SECRXCTRL.RX_DIS clear", rx_on},
                 {"[datasheet] EICR read", eicr}, {"[datasheet] EIMS", eims},
                 {"LINKS read again", relink}, {"CTRL_EXT.PFRSTD", pfrstd}});

  // The link was up at power-on: RST alone, no LRST, and AUTOC already 10G serial: not written.
  CHECK((t.a[*reset].value & reg::ctrl::kLrst) == 0);
  CHECK_FALSE(t.find(0, [](const sim::RegAccess& x) { return x.write && x.offset == reg::AUTOC.offset; }));
  // 4.6.3: nothing but the interrupt mask, the reset and the waits before DMA init is done.
  // (Config-space reads come first: the SR-IOV capability, for VFs an earlier owner left.)
  for (size_t i = 0; i < *dmaidone; ++i) {
    if (t.a[i].space == sim::Space::kConfig && !t.a[i].write) continue;
    const uint32_t off = t.a[i].offset;
    INFO("access " << i << ": " << sim::format_access(t.a[i]));
    CHECK((off == reg::EIMC.offset || off == reg::CTRL.offset || off == reg::STATUS.offset ||
           off == reg::LINKS.offset || off == reg::EEC.offset || off == reg::RDRXCTL.offset));
  }
  // Every statistics register read, between the link and RX init.
  for (const hal::Reg32 s : reg::kClearOnReadStats) {
    const auto at = t.read_of(*link, s);
    INFO("statistics register " << s.offset);
    REQUIRE(at.has_value());
    CHECK(*at < *rdrxctl);
  }
  // The RX filter tables are cleared before receive goes on (4.6.7).
  const auto mta_clear = t.write_with(*stats, reg::MTA(reg::kNumMta - 1), 0);
  REQUIRE(mta_clear.has_value());
  CHECK(*mta_clear < *rxen);
  // Interrupts stay masked from the reset to the end: no EIMS write before the last step.
  CHECK(t.write_with(0, reg::EIMS, 0).value() == *eims);
}

TEST_CASE("init() writes the values the datasheet and Linux ask for", "[pf][init][bring-up]") {
  Rig r;
  BusTrace t(*r.dev);
  REQUIRE(r.pf.init().has_value());
  // 4.6.3.2: flow control off, FCRTH(0).RTH = RXPBSIZE(0) - 0x6000 with FCEN clear.
  CHECK(first_written_value(t, reg::FCRTH(0)) == reg::rxpbsize::k512KB - reg::fcrth::kHeadroom);
  CHECK((*first_written_value(t, reg::FCRTH(0)) & reg::fcrth::kFcen) == 0);
  for (unsigned tc = 1; tc < reg::kNumTc; ++tc) CHECK(first_written_value(t, reg::FCRTH(tc)) == 0u);
  for (unsigned i = 0; i < reg::kNumFcTtv; ++i) CHECK(first_written_value(t, reg::FCTTV(i)) == 0u);
  CHECK(first_written_value(t, reg::FCRTV) == 0u);
  CHECK(first_written_value(t, reg::FCCFG) == 0u);
  CHECK(first_written_value(t, reg::MFLCN) == 0u);
  // Laser on: SDP3 an output, driven low.
  const uint32_t esdp = first_written_value(t, reg::ESDP).value();
  CHECK((esdp & reg::esdp::kSdp3Dir) != 0);
  CHECK((esdp & reg::esdp::kSdp3) == 0);
  // RDRXCTL: CRC strip, RSCACKC, FCOE_WRFIX, RSCFRSTSIZE 0 (it resets to 0x8).
  const uint32_t rdrxctl = first_written_value(t, reg::RDRXCTL).value();
  CHECK((rdrxctl & reg::rdrxctl::kCrcStrip) != 0);
  CHECK((rdrxctl & reg::rdrxctl::kRscAckc) != 0);
  CHECK((rdrxctl & reg::rdrxctl::kFcoeWrfix) != 0);
  CHECK((rdrxctl & reg::rdrxctl::kRscFrstSizeMask) == 0);
  CHECK((r.rd(reg::RDRXCTL) & reg::rdrxctl::kRscFrstSizeMask) == 0);
  // 4.6.11.3.4: DTXMXSZRQ 0xFFF without DCB.
  CHECK(first_written_value(t, reg::DTXMXSZRQ) == reg::dtxmxszrq::kNoDcb);
  CHECK(r.rd(reg::DTXMXSZRQ) == reg::dtxmxszrq::kNoDcb);
  // MSI-X with auto-mask off for every vector (hw_init.hpp).
  CHECK(first_written_value(t, reg::EIAM_EX(0)) == 0u);
  CHECK(first_written_value(t, reg::EIAM_EX(1)) == 0u);
  // RX and TX as left.
  CHECK((r.rd(reg::HLREG0) & reg::hlreg0::kRxCrcStrp) != 0);
  CHECK(r.rd(reg::RXPBSIZE(0)) == reg::rxpbsize::k512KB);
  CHECK((r.rd(reg::RXCTRL) & reg::rxctrl::kRxEn) != 0);
  CHECK((r.rd(reg::SECRXCTRL) & reg::secrxctrl::kRxDis) == 0);
  CHECK((r.rd(reg::HLREG0) & (reg::hlreg0::kTxCrcEn | reg::hlreg0::kTxPadEn)) ==
        (reg::hlreg0::kTxCrcEn | reg::hlreg0::kTxPadEn));
  CHECK(r.rd(reg::TXPBSIZE(0)) == reg::txpbsize::k160KB);
  CHECK((r.rd(reg::DMATXCTL) & reg::dmatxctl::kTe) != 0);
  CHECK((r.rd(reg::RTTDCS) & reg::rttdcs::kArbDis) == 0);
  CHECK((r.rd(reg::CTRL_EXT) & reg::ctrl_ext::kNsDis) != 0);
  CHECK((r.rd(reg::AUTOC) & reg::autoc::kLmsMask) == reg::autoc::kLms10gSerial);
  CHECK(r.pf.link_up());
  CHECK(r.pf.link_mbps() == 10000);
}

TEST_CASE("init() with the cable unplugged uses LRST and succeeds with the link down, recorded", "[pf][init][bring-up]") {
  Rig r;
  r.dev->set_link(false);
  BusTrace t(*r.dev);
  const hal::Nanos t0 = r.clock.now();
  REQUIRE(r.pf.init().has_value());
  CHECK(t.write_with(0, reg::CTRL, reg::ctrl::kLrst).has_value());  // Linux: link down -> LRST
  CHECK_FALSE(t.write_with(0, reg::CTRL, reg::ctrl::kRst).has_value());
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

TEST_CASE("A cable plugged in after the link wait but before interrupts are on is not lost", "[pf][init][bring-up]") {
  hal::ManualClock clock;
  hal::SteppingWaiter waiter(clock, {});
  const auto dev = sim::Device82599::create();
  dev->set_link(false);
  // The cable goes in when the driver reads the statistics: after setup_link() gave up, before
  // enable_interrupts() reads (and so clears) EICR.LSC.
  bool plugged = false;
  hal::TracingFunction fn(dev->pf(), -1, [&](const hal::TracedAccess& a) {
    if (!plugged && !a.access.write && a.access.offset == reg::kClearOnReadStats.front().offset) {
      plugged = true;
      dev->set_link(true);
    }
  });
  pf::PfDriver drv(fn, clock, waiter, options());
  REQUIRE(drv.init().has_value());
  REQUIRE(plugged);
  CHECK(drv.link_up());
  CHECK(drv.link_mbps() == 10000);
  const pf::Event* e = drv.events().find_last(EventCode::kLinkChange);
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("up"));
}

TEST_CASE("GIO master stuck with nothing pending in PCIe: two resets, init succeeds", "[pf][init][bring-up]") {
  Rig r;
  r.dev->model().hold_master_requests(true, false);
  BusTrace t(*r.dev);
  const hal::Nanos t0 = r.clock.now();
  REQUIRE(r.pf.init().has_value());
  CHECK(r.clock.now() - t0 >= pf::kMasterDisableTimeout);
  CHECK(r.dev->model().pf_reset_count() == 2);
  const auto first = t.write_with(0, reg::CTRL, reg::ctrl::kRst);
  REQUIRE(first.has_value());
  const auto second = t.write_with(*first + 1, reg::CTRL, reg::ctrl::kRst);
  REQUIRE(second.has_value());
  // Transaction Pending was read (config space) before the first reset.
  const auto cfg = t.find(0, [](const sim::RegAccess& x) { return x.space == sim::Space::kConfig && !x.write; });
  REQUIRE(cfg.has_value());
  CHECK(*cfg < *first);
  CHECK(r.pf.link_up());
}

TEST_CASE("GIO master stuck with transactions pending: init fails before any reset", "[pf][init][bring-up]") {
  Rig r;
  r.dev->model().hold_master_requests(true, true);
  BusTrace t(*r.dev);
  const auto e = r.pf.init();
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().code == pf::ErrorCode::kTimeout);
  CHECK(e.error().reason.contains("transactions pending"));
  CHECK(r.dev->model().pf_reset_count() == 0);
  CHECK_FALSE(t.write_with(0, reg::CTRL, reg::ctrl::kRst).has_value());
  CHECK_FALSE(t.write_with(0, reg::CTRL, reg::ctrl::kLrst).has_value());
  CHECK(r.count(EventCode::kPfInitFailed) == 1);
  // Drained: init works.
  r.dev->model().hold_master_requests(false, false);
  REQUIRE(r.pf.init().has_value());
}

TEST_CASE("An EEPROM AUTOC other than 10G serial: AUTOC written through the pipeline reset", "[pf][init][bring-up]") {
  Rig r;
  r.dev->model().set_eeprom_link(reg::autoc::kLmsKx4KxKr, reg::autoc2::k10gSfi | reg::autoc2::kLinkDisableMask);
  r.bar().write(reg::CTRL, reg::ctrl::kLrst);  // the EEPROM's values in place
  REQUIRE_FALSE(r.pf.link_up());
  BusTrace t(*r.dev);
  REQUIRE(r.pf.init().has_value());
  const uint32_t want = reg::autoc::kLms10gSerial | reg::autoc::kRestartAn;
  const auto clear_disable = t.find(0, [](const sim::RegAccess& x) {
    return x.write && x.offset == reg::AUTOC2.offset && (x.value & reg::autoc2::kLinkDisableMask) == 0;
  });
  const auto toggled = t.find(clear_disable.value_or(0), [&](const sim::RegAccess& x) {
    return x.write && x.offset == reg::AUTOC.offset && x.value == (want ^ reg::autoc::kLmsPipelineToggle);
  });
  const auto anlp1 = t.read_of(toggled.value_or(0), reg::ANLP1);
  const auto restored = t.find(anlp1.value_or(0), [&](const sim::RegAccess& x) {
    return x.write && x.offset == reg::AUTOC.offset && x.value == want;
  });
  const auto up = t.read_with(restored.value_or(0), reg::LINKS, reg::links::kUp);
  require_order({{"AUTOC2.LINK_DISABLE cleared", clear_disable}, {"AUTOC, LMS bit 2 toggled", toggled},
                 {"ANLP1.AN_STATE read", anlp1}, {"AUTOC 10G serial + RESTART_AN", restored},
                 {"LINKS up", up}});
  CHECK(r.pf.link_up());
}

TEST_CASE("MMNGC.MNG_VETO: AUTOC is left alone and init says so", "[pf][init][bring-up]") {
  Rig r;
  r.dev->model().set_eeprom_link(reg::autoc::kLmsKx4KxKr, reg::autoc2::k10gSfi);
  r.dev->model().set_manageability(false, true);
  r.bar().write(reg::CTRL, reg::ctrl::kLrst);
  BusTrace t(*r.dev);
  REQUIRE(r.pf.init().has_value());
  CHECK_FALSE(t.find(0, [](const sim::RegAccess& x) { return x.write && x.offset == reg::AUTOC.offset; }));
  CHECK_FALSE(r.pf.link_up());
  const pf::Event* e = r.pf.events().find_last(EventCode::kPfInit);
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("MNG_VETO"));
}

TEST_CASE("A port that is not SFI, or LESM firmware, is refused before the link is touched", "[pf][init][bring-up]") {
  Rig r;
  SECTION("AUTOC2 10G serial PMA/PMD KR") {
    r.dev->model().set_eeprom_link(reg::autoc::kLms10gSerial, 0);
  }
  SECTION("LESM enabled in the EEPROM") {
    r.dev->model().set_eeprom_word(reg::eeprom::kFwPtr, 0x100);
    r.dev->model().set_eeprom_word(0x100 + reg::eeprom::kFwLesmParametersPtr, 0x200);
    r.dev->model().set_eeprom_word(0x200 + reg::eeprom::kFwLesmState1, reg::eeprom::kFwLesmStateEnabled);
  }
  BusTrace t(*r.dev);
  const auto e = r.pf.init();
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().code == pf::ErrorCode::kNotSupported);
  CHECK((e.error().reason.contains("SFI") || e.error().reason.contains("LESM")));
  for (const hal::Reg32 x : {reg::ESDP, reg::AUTOC, reg::AUTOC2}) {
    INFO(x.offset);
    CHECK_FALSE(t.find(0, [&](const sim::RegAccess& a) { return a.write && a.offset == x.offset; }));
  }
}

TEST_CASE("Manageability firmware on the port: the laser is left alone at init and stop", "[pf][init][stop][bring-up]") {
  Rig r;
  r.dev->model().set_manageability(true, false);
  BusTrace t(*r.dev);
  REQUIRE(r.pf.init().has_value());
  r.pf.stop();
  CHECK_FALSE(t.find(0, [](const sim::RegAccess& x) { return x.write && x.offset == reg::ESDP.offset; }));
  CHECK(r.pf.events().find_last(EventCode::kPfStopped)->reason.contains("manageability"));
}

TEST_CASE("init() after stop(): the laser gets its 100 ms to light up", "[pf][init][bring-up]") {
  Rig r;
  hal::Nanos t0 = r.clock.now();
  REQUIRE(r.pf.init().has_value());
  CHECK(r.clock.now() - t0 < pf::kLaserOnSettle);  // lit since power-on, link kept: no wait
  r.pf.stop();
  t0 = r.clock.now();
  REQUIRE(r.pf.init().has_value());
  CHECK(r.clock.now() - t0 >= pf::kLaserOnSettle);
  CHECK(r.pf.link_up());
}

TEST_CASE("init() refuses an invalid PfOptions::mac before touching the device", "[pf][init][bring-up]") {
  pf::PfOptions o = options();
  o.mac = hal::MacAddr({0x01, 0x00, 0x5E, 0x00, 0x00, 0x01});
  Rig r(o);
  BusTrace t(*r.dev);
  const auto e = r.pf.init();
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().code == pf::ErrorCode::kInvalidArgument);
  CHECK(e.error().reason.contains("mac"));
  CHECK(t.a.empty());
}

TEST_CASE("init() clears the statistics the MAC counted before it", "[pf][init][bring-up]") {
  // CTRL.RST zeroes the counters itself; what init()'s reads clear is what the MAC counted
  // after it. Here the cable is plugged in while init() waits for the link (after the reset's
  // settle time), and frames arrive at once, while receive is still off: TPR/TOR count them,
  // GPRC does not (it counts only frames taken into an enabled receive path).
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
  const auto tpr = t.read_of(0, reg::TPR);
  const auto torl = t.read_of(0, reg::TORL);
  const auto gprc = t.read_of(0, reg::GPRC);
  REQUIRE(tpr.has_value());
  REQUIRE(torl.has_value());
  REQUIRE(gprc.has_value());
  CHECK(t.a[*tpr].value == 3);  // init's read took the count...
  CHECK(t.a[*torl].value == 3 * (60 + 4));
  CHECK(t.a[*gprc].value == 0);  // receive was off
  hal::RegisterIo& bar = dev->pf().bar0();
  CHECK(bar.read(reg::TPR) == 0);  // ...and left zero
  CHECK(bar.read(reg::TORL) == 0);
  CHECK(bar.read(reg::GPRC) == 0);
}

TEST_CASE("reset() with VFs programs VT before TX and RX go on, then interrupts and PFRSTD", "[pf][init][bring-up]") {
  Rig r;
  r.up(4);
  BusTrace t(*r.dev);
  REQUIRE(r.pf.reset().has_value());
  const auto reset = t.write_with(0, reg::CTRL, reg::ctrl::kRst);
  const auto vt = t.write_with(reset.value_or(0), reg::VT_CTL, reg::vt_ctl::kVtEnable);
  const auto te = t.write_with(vt.value_or(0), reg::DMATXCTL, reg::dmatxctl::kTe);
  const auto rxen = t.write_with(te.value_or(0), reg::RXCTRL, reg::rxctrl::kRxEn);
  const auto eims = t.write_with(rxen.value_or(0), reg::EIMS, reg::eicr::kMailbox);
  const auto pfrstd = t.write_with(eims.value_or(0), reg::CTRL_EXT, reg::ctrl_ext::kPfrstd);
  require_order({{"CTRL.RST", reset}, {"[Linux] VT_CTL.VT_ENABLE", vt}, {"[Linux] DMATXCTL.TE", te},
                 {"[Linux] RXCTRL.RXEN", rxen}, {"EIMS", eims}, {"CTRL_EXT.PFRSTD", pfrstd}});
  // No TE or RXEN before VT.
  CHECK(t.write_with(0, reg::DMATXCTL, reg::dmatxctl::kTe).value() == *te);
  CHECK(t.write_with(0, reg::RXCTRL, reg::rxctrl::kRxEn).value() == *rxen);
  CHECK(r.pf.num_vfs() == 4);
  CHECK(r.pf.link_up());
}

TEST_CASE("reset() with the link up keeps it up: RST, not LRST, and the partner sees no drop", "[pf][init][bring-up]") {
  Rig r;
  auto wire = std::make_shared<sim::MemoryWire>();
  r.dev->set_wire(wire);
  r.up(2);
  REQUIRE(r.pf.link_up());
  const unsigned losses = wire->signal_losses();
  BusTrace t(*r.dev);
  REQUIRE(r.pf.reset().has_value());
  CHECK(t.write_with(0, reg::CTRL, reg::ctrl::kRst).has_value());
  CHECK_FALSE(t.write_with(0, reg::CTRL, reg::ctrl::kLrst).has_value());
  CHECK(wire->signal_losses() == losses);
  CHECK(r.pf.link_up());
  CHECK(r.count(EventCode::kLinkChange) == 0);
}

TEST_CASE("init() after a failed reset() disables the VFs the reset left", "[pf][init][bring-up]") {
  Rig r;
  r.up(2);
  r.dev->model().hold_master_requests(true, true);
  REQUIRE_FALSE(r.pf.reset().has_value());
  r.dev->model().hold_master_requests(false, false);
  REQUIRE(r.pf.init().has_value());
  CHECK(r.pf.num_vfs() == 0);
  CHECK(r.dev->num_vfs() == 0);
  CHECK(r.count(EventCode::kVfsDisabled) == 1);
  CHECK(r.pf.default_pool() == 0);
  REQUIRE(r.pf.set_num_vfs(2).has_value());
}

namespace {
/// The simulated PF, except that disabling SR-IOV fails (an OS that refuses sriov_numvfs 0).
class StuckSriovFunction final : public hal::PciFunction {
 public:
  explicit StuckSriovFunction(hal::PciFunction& inner) : inner_(inner) {}
  hal::RegisterIo& bar0() override { return inner_.bar0(); }
  hal::ConfigSpace& config() override { return inner_.config(); }
  hal::DmaDomain& dma() override { return inner_.dma(); }
  size_t num_vectors() const override { return inner_.num_vectors(); }
  const hal::EventFd& vector(size_t i) const override { return inner_.vector(i); }
  std::string name() const override { return inner_.name(); }
  std::expected<void, hal::Error> set_sriov_num_vfs(unsigned) override {
    return std::unexpected(hal::Error::kSystem);
  }

 private:
  hal::PciFunction& inner_;
};
}  // namespace

TEST_CASE("init() refuses when VFs an earlier owner enabled cannot be disabled", "[pf][init][bring-up]") {
  Rig r;
  r.up(2);  // the earlier owner
  StuckSriovFunction fn(r.dev->pf());
  pf::PfDriver second(fn, r.clock, r.pf_waiter, options());
  BusTrace t(*r.dev);
  const auto e = second.init();
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().code == pf::ErrorCode::kBusy);
  CHECK(e.error().reason.contains("could not be disabled"));
  CHECK_FALSE(t.write_with(0, reg::CTRL, reg::ctrl::kRst).has_value());  // nothing reset
  CHECK(r.dev->num_vfs() == 2);
}

TEST_CASE("Two link changes after init() both reach the driver: no auto-mask on the other vector", "[pf][init][bring-up]") {
  Rig r;
  REQUIRE(r.pf.init().has_value());
  r.dev->set_link(false);
  CHECK(r.pf.interrupt().drain() >= 1);
  r.pf.service_once();
  CHECK_FALSE(r.pf.link_up());
  r.dev->set_link(true);
  CHECK(r.pf.interrupt().drain() >= 1);
  r.pf.service_once();
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
    const auto lben = t.find(0, [](const sim::RegAccess& x) {
      return x.write && x.offset == reg::PFDTXGSWC.offset && (x.value & reg::pfdtxgswc::kVtLben) == 0;
    });
    const auto rx_off = t.write_without(lben.value_or(0), reg::RXCTRL, reg::rxctrl::kRxEn);
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
    require_order({{"[Linux] PFDTXGSWC.VT_LBEN clear", lben}, {"[Linux] RXCTRL.RXEN clear", rx_off},
                   {"EIMC mask", mask}, {"VF ping", ping}, {"VFRE 0", vfre},
                   {"SR-IOV off (config)", sriov_off}, {"DMATXCTL.TE clear", te_off},
                   {"CTRL_EXT PFRSTD|DRV_LOAD clear", released}, {"laser off", dark}});
    // Linux's disable_rx does not touch the security RX path.
    CHECK_FALSE(t.find(0, [](const sim::RegAccess& x) { return x.write && x.offset == reg::SECRXCTRL.offset; }));
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
