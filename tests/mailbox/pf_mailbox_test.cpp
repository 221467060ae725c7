// PfMailbox against the simulated 82599: pending bitmaps, write-1-to-clear of one VF's bits,
// the lock, FLR events, clear() and the trace hook.

#include <catch2/catch.hpp>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/reg_trace.hpp"
#include "mailbox/codec.hpp"
#include "mailbox/pf_mailbox.hpp"
#include "mailbox/vf_mailbox.hpp"
#include "tests/mailbox/sim_fixture.hpp"

using namespace mbx;
using mbx::test::SimFixture;
using mbx::test::vec;
using W = std::vector<uint32_t>;
namespace pfr = hal::ixgbe::pf;

namespace {

constexpr uint64_t bit(unsigned vf) { return uint64_t{1} << vf; }

// The (offset, value) pairs the PF function wrote, in order.
struct PfWrites {
  std::vector<std::pair<uint32_t, uint32_t>> writes;
  void attach(sim::Device82599& dev) {
    dev.set_trace([this](const sim::RegAccess& a) {
      if (a.function == -1 && a.space == sim::Space::kBar0 && a.write) {
        writes.emplace_back(a.offset, a.value);
      }
    });
  }
};

}  // namespace

TEST_CASE("pending() reports messages, acks and FLRs of VFs 0, 17, 40 and 62", "[mailbox][pf]") {
  SimFixture f(64);
  PfMailbox pf(f.pf_bar());
  CHECK_FALSE(pf.pending(64).any());

  std::vector<std::unique_ptr<VfMailbox>> vfs;
  for (unsigned v : {0u, 17u, 40u, 62u}) {
    vfs.push_back(std::make_unique<VfMailbox>(f.vf_bar(v), f.clock, f.waiter));
    REQUIRE(vfs.back()->write(ResetReq{}.encode().words()).has_value());
  }
  // VFs 17 and 62 also ack a PF message.
  for (size_t i : {size_t{1}, size_t{3}}) {
    const unsigned v = i == 1 ? 17 : 62;
    REQUIRE(pf.read(hal::VfId{v}).has_value());
    REQUIRE(pf.write(hal::VfId{v}, PfControlMsg{}.encode().words()).has_value());
    REQUIRE(vfs[i]->check_for_msg());
    REQUIRE(vfs[i]->read(1).has_value());
  }
  f.flr(40);

  const PendingEvents ev = pf.pending(64);
  // pf.write() cleared the stale VFREQ of 17 and 62: only 0 and 40 still have a request.
  CHECK(ev.req == (bit(0) | bit(40)));
  CHECK(ev.ack == (bit(17) | bit(62)));
  CHECK(ev.flr == bit(40));
  CHECK(ev.any());
  CHECK(pf.pending(64).req == ev.req);  // pending() clears nothing
}

TEST_CASE("pending() ignores VFs at and above num_vfs", "[mailbox][pf]") {
  SimFixture f(64);
  PfMailbox pf(f.pf_bar());
  for (unsigned v : {0u, 17u, 40u, 62u}) {
    VfMailbox vf(f.vf_bar(v), f.clock, f.waiter);
    REQUIRE(vf.write(ResetReq{}.encode().words()).has_value());
  }
  f.flr(62);
  CHECK(pf.pending(64).req == (bit(0) | bit(17) | bit(40) | bit(62)));
  CHECK(pf.pending(41).req == (bit(0) | bit(17) | bit(40)));
  CHECK(pf.pending(40).req == (bit(0) | bit(17)));
  CHECK(pf.pending(17).req == bit(0));
  CHECK(pf.pending(62).flr == 0);
  CHECK(pf.pending(63).flr == bit(62));
  CHECK(pf.pending(200).req == pf.pending(64).req);
}

TEST_CASE("pending() reads only the registers that cover num_vfs", "[mailbox][pf]") {
  SimFixture f(64);
  PfMailbox pf(f.pf_bar());
  std::vector<uint32_t> reads;
  f.dev->set_trace([&](const sim::RegAccess& a) {
    if (a.function == -1 && !a.write) reads.push_back(a.offset);
  });
  pf.pending(17);
  f.dev->set_trace(nullptr);
  CHECK(reads == W{pfr::MBVFICR(0).offset, pfr::MBVFICR(1).offset, pfr::VFLRE(0).offset});
}

TEST_CASE("check_for_msg clears only its own VF's VFREQ bit", "[mailbox][pf]") {
  SimFixture f(64);
  PfMailbox pf(f.pf_bar());
  for (unsigned v : {16u, 17u, 31u}) {  // all three share MBVFICR(1)
    VfMailbox vf(f.vf_bar(v), f.clock, f.waiter);
    REQUIRE(vf.write(ResetReq{}.encode().words()).has_value());
  }
  CHECK(pf.check_for_msg(hal::VfId{17}));
  CHECK_FALSE(pf.check_for_msg(hal::VfId{17}));
  CHECK(pf.pending(64).req == (bit(16) | bit(31)));
  CHECK_FALSE(pf.check_for_ack(hal::VfId{16}));
  CHECK(pf.pending(64).req == (bit(16) | bit(31)));
}

TEST_CASE("check_for_rst reports a VF FLR once and clears it through VFLREC", "[mailbox][pf]") {
  SimFixture f(64);
  PfMailbox pf(f.pf_bar());
  f.flr(5);
  f.flr(40);
  CHECK_FALSE(pf.check_for_rst(hal::VfId{6}));
  CHECK(pf.check_for_rst(hal::VfId{40}));
  CHECK_FALSE(pf.check_for_rst(hal::VfId{40}));
  CHECK(pf.pending(64).flr == bit(5));
  CHECK(pf.check_for_rst(hal::VfId{5}));
  CHECK(pf.pending(64).flr == 0);
}

TEST_CASE("PF write takes PFU, clears this VF's VFREQ/VFACK, then raises STS alone",
          "[mailbox][pf]") {
  SimFixture f(64);
  PfMailbox pf(f.pf_bar());
  PfWrites log;
  log.attach(*f.dev);
  const std::array<uint32_t, 2> words{0x80000004, 7};
  REQUIRE(pf.write(hal::VfId{18}, words).has_value());
  f.dev->set_trace(nullptr);
  const std::vector<std::pair<uint32_t, uint32_t>> expected{
      {pfr::PFMAILBOX(18).offset, pfr::pfmailbox::kPfu},
      {pfr::MBVFICR(1).offset, pfr::mbvficr::req_bit(18) | pfr::mbvficr::ack_bit(18)},
      {pfr::PFMBMEM(18, 0).offset, 0x80000004},
      {pfr::PFMBMEM(18, 1).offset, 7},
      {pfr::PFMAILBOX(18).offset, pfr::pfmailbox::kSts},
  };
  CHECK(log.writes == expected);
}

TEST_CASE("PF read takes PFU, copies 16 words and raises ACK alone", "[mailbox][pf]") {
  SimFixture f(4);
  PfMailbox pf(f.pf_bar());
  VfMailbox vf(f.vf_bar(2), f.clock, f.waiter);
  REQUIRE(vf.write(SetLpeReq{.max_frame = 1518}.encode().words()).has_value());
  PfWrites log;
  log.attach(*f.dev);
  auto m = pf.read(hal::VfId{2});
  f.dev->set_trace(nullptr);
  REQUIRE(m.has_value());
  CHECK(m->size == 16);
  CHECK(vec(m->words().first(2)) == W{0x5, 1518});
  const std::vector<std::pair<uint32_t, uint32_t>> expected{
      {pfr::PFMAILBOX(2).offset, pfr::pfmailbox::kPfu},
      {pfr::PFMAILBOX(2).offset, pfr::pfmailbox::kAck},
  };
  CHECK(log.writes == expected);
}

TEST_CASE("PF try_lock fails while the VF holds VFU, until RVFU", "[mailbox][pf][vf]") {
  SimFixture f(4);
  PfMailbox pf(f.pf_bar());
  VfMailbox vf(f.vf_bar(3), f.clock, f.waiter);
  REQUIRE(vf.try_lock().has_value());
  const hal::VfId id{3};
  CHECK(pf.try_lock(id).error() == Error::kLockTimeout);
  CHECK(pf.read(id).error() == Error::kLockTimeout);
  CHECK(pf.write(id, std::array<uint32_t, 1>{0x100}).error() == Error::kLockTimeout);
  CHECK(pf.clear(id).error() == Error::kLockTimeout);
  CHECK_FALSE(vf.check_for_msg());  // no STS went out
  pf.release_vf_lock(id);
  CHECK(pf.try_lock(id).has_value());
  CHECK(vf.try_lock().error() == Error::kLockTimeout);  // now the PF holds it
}

TEST_CASE("PF clear zeroes the VF's mailbox words and releases PFU", "[mailbox][pf][vf]") {
  SimFixture f(4);
  PfMailbox pf(f.pf_bar());
  VfMailbox vf(f.vf_bar(1), f.clock, f.waiter);
  REQUIRE(vf.write(IpsecAddReq{.spi = 0xFFFFFFFF}.encode().words()).has_value());
  REQUIRE(pf.clear(hal::VfId{1}).has_value());
  CHECK_FALSE(vf.check_for_msg());  // clear() announces nothing
  auto m = vf.read(16);             // takes VFU: PFU was released
  REQUIRE(m.has_value());
  CHECK(vec(m->words()) == W(16, 0));
}

TEST_CASE("PF calls for VF 64 and beyond and messages over 16 words are refused", "[mailbox][pf]") {
  SimFixture f(64);
  PfMailbox pf(f.pf_bar());
  const hal::VfId bad{64};
  CHECK(pf.try_lock(bad).error() == Error::kNoDevice);
  CHECK(pf.read(bad).error() == Error::kNoDevice);
  CHECK(pf.write(bad, std::array<uint32_t, 1>{1}).error() == Error::kNoDevice);
  CHECK(pf.clear(bad).error() == Error::kNoDevice);
  CHECK_FALSE(pf.check_for_msg(bad));
  CHECK_FALSE(pf.check_for_ack(bad));
  CHECK_FALSE(pf.check_for_rst(bad));
  const std::array<uint32_t, 17> big{};
  CHECK(pf.write(hal::VfId{0}, big).error() == Error::kTooLong);
  CHECK(pf.try_lock(hal::VfId{0}).has_value());  // kTooLong took no lock... and left none held
}

TEST_CASE("PF trace hook sees 16 words read and exactly the words written",
          "[mailbox][pf][trace]") {
  SimFixture f(64);
  PfMailbox pf(f.pf_bar());
  VfMailbox vf(f.vf_bar(40), f.clock, f.waiter);
  std::vector<std::string> lines;
  pf.set_trace([&](hal::VfId id, Direction d, std::span<const uint32_t> w) {
    lines.push_back(format_trace(id, d, w));
  });
  REQUIRE(vf.write(SetVlanReq{.add = true, .vid = 100}.encode().words()).has_value());
  REQUIRE(pf.read(hal::VfId{40}).has_value());
  REQUIRE(pf.write(hal::VfId{40}, std::array<uint32_t, 2>{0xA0010004, 100}).has_value());
  REQUIRE(lines.size() == 2);
  std::string read_line = "mbx vf=40 vf->pf 00010004 00000064";
  for (int i = 0; i < 14; ++i) read_line += " 00000000";  // the PF copies all 16 words
  CHECK(lines[0] == read_line);
  CHECK(lines[1] == "mbx vf=40 pf->vf a0010004 00000064");
}
