#include "pf_rig.hpp"

#include "hal/pci_regs.hpp"

namespace pftest {
namespace reg = hal::ixgbe::pf;

pf::PfOptions options(uint32_t mtu, size_t events) {
  pf::PfOptions o;
  o.mac = kPfMac;
  o.mtu = mtu;
  o.event_capacity = events;
  return o;
}

Rig::Rig(pf::PfOptions opts)
    : dev(sim::Device82599::create()), pf_waiter(clock, {}), pf(dev->pf(), clock, pf_waiter, opts) {}

void Rig::up(unsigned num_vfs) {
  auto i = pf.init();
  INFO((i ? std::string() : i.error().reason));
  REQUIRE(i.has_value());
  auto n = pf.set_num_vfs(num_vfs);
  INFO((n ? std::string() : n.error().reason));
  REQUIRE(n.has_value());
}

uint32_t Rig::qde(unsigned q) {
  bar().write(reg::QDE, reg::qde::kRead | (q << reg::qde::kIdxShift));
  return rd(reg::QDE) & (reg::qde::kEnable | reg::qde::kHideVlan);
}

uint32_t Rig::rttbcnrc(unsigned q) {
  bar().write(reg::RTTDQSEL, q);
  return rd(reg::RTTBCNRC);
}

bool Rig::vlan_has(uint16_t vid, unsigned pool) {
  for (unsigned i = 0; i < reg::kNumVlvf; ++i) {
    const uint32_t v = rd(reg::VLVF(i));
    if (!(v & reg::vlvf::kVien) || (v & reg::vlvf::kVidMask) != vid) continue;
    return (rd(reg::VLVFB(2 * i + pool / 32)) >> (pool % 32)) & 1u;
  }
  return false;
}

bool Rig::vfta_has(uint16_t vid) { return (rd(reg::VFTA(vid / 32)) >> (vid % 32)) & 1u; }

bool Rig::rar_is(unsigned i, const hal::MacAddr& m, unsigned pool) {
  const auto& b = m.bytes();
  const uint32_t lo = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
  const uint32_t hi = uint32_t{b[4]} | uint32_t{b[5]} << 8 | reg::rah::kAv;
  const uint64_t pools = uint64_t{rd(reg::MPSAR_HI(i))} << 32 | rd(reg::MPSAR_LO(i));
  return rd(reg::RAL(i)) == lo && rd(reg::RAH(i)) == hi && pools == (uint64_t{1} << pool);
}

unsigned Rig::rar_count(const hal::MacAddr& m) {
  const auto& b = m.bytes();
  const uint32_t lo = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
  const uint32_t hi = uint32_t{b[4]} | uint32_t{b[5]} << 8 | reg::rah::kAv;
  unsigned n = 0;
  for (unsigned i = 0; i < reg::kNumRar; ++i) n += rd(reg::RAL(i)) == lo && rd(reg::RAH(i)) == hi;
  return n;
}

Vf::Vf(Rig& rig, unsigned id)
    : rig_(rig),
      id_(id),
      fn_([&]() -> hal::PciFunction* {
        auto f = rig.dev->vf(hal::VfId(id));
        REQUIRE(f.has_value());
        return *f;
      }()),
      waiter_(rig.clock, [&rig] { rig.pf.service_once(); }),
      mbx_(fn_->bar0(), rig.clock, waiter_) {}

mbx::Message Vf::send(const mbx::Message& req, size_t reply_words) {
  auto r = mbx_.request(req.words(), reply_words);
  INFO("VF " << id_.value() << " request " << std::hex << req.w[0]);
  REQUIRE(r.has_value());
  return *r;
}

mbx::Message Vf::send_words(std::initializer_list<uint32_t> words, size_t reply_words) {
  return send(mbx::Message::from(std::span<const uint32_t>(words.begin(), words.size())),
              reply_words);
}

mbx::ResetReply Vf::reset() {
  const mbx::Message m = send(mbx::ResetReq{}.encode(), 4);
  auto r = mbx::ResetReply::decode(m.words());
  REQUIRE(r.has_value());
  return *r;
}

void Vf::negotiate(mbx::Api api) {
  const mbx::Message m = send(mbx::ApiNegotiateReq{.api = api}.encode(), 3);
  REQUIRE(m.w[0] == ack_cts(mbx::MsgId::kApiNegotiate));
}

void Vf::ready(mbx::Api api) {
  reset();
  negotiate(api);
}

std::optional<mbx::Message> Vf::poll(size_t n) {
  rig_.pf.service_once();
  auto m = mbx_.poll_message(n);
  if (!m) return std::nullopt;
  return *m;
}

void Vf::flr() {
  hal::ConfigSpace& cfg = fn_->config();
  const uint8_t exp = cfg.find_capability(hal::pci::kCapIdExp);
  REQUIRE(exp != 0);
  const uint16_t at = static_cast<uint16_t>(exp + hal::pci::kExpDevCtl);
  cfg.write16(at, static_cast<uint16_t>(cfg.read16(at) | hal::pci::kExpDevCtlBcrFlr));
  mbx_.reset_done();  // the VF driver starts over after its function reset
}

}  // namespace pftest
