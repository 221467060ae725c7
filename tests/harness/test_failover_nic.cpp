// The guest's failover NIC (harness/failover/failover_nic.hpp) on a stepped DatapathHost: VF0
// is the NIC's VF, VF1 a neighbour that sends to it and counts what it sends, and the test
// plays the host's end of the synthetic channel. Deterministic: ManualClock, stepped engine.

#include <catch2/catch.hpp>

#include "tests/harness/failover_test_frame.hpp"

#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "guest_apps_rig.hpp"
#include "harness/failover/failover_nic.hpp"
#include "harness/failover/synthetic_channel.hpp"

namespace fnictest {

using harness::failover::FailoverNic;
using harness::failover::GuestMsg;
using harness::failover::HostMsg;
using harness::failover::Path;
using harness::failover::SyntheticChannel;
using namespace std::chrono_literals;

constexpr unsigned kNicVf = 0;
constexpr unsigned kPeerVf = 1;

using failover_test::frame;

/// The host, the guest's synthetic channel and the guest OS's upkeep of its VFs.
struct Rig {
  explicit Rig(const harness::PortOptions& po = {}) : popts(po) {
    host = appstest::make_host(2, po);
    auto p = harness::make_pktmbuf_pool(1023);
    INFO((p ? std::string() : p.error()));
    REQUIRE(p.has_value());
    guest_pool = std::move(*p);
    auto c = SyntheticChannel::create(guest_pool.get());
    INFO((c ? std::string() : c.error()));
    REQUIRE(c.has_value());
    ch = std::move(*c);
    for (unsigned i = 0; i < host->num_ports(); ++i) resets.push_back(host->port(i).drv->counters().resets);
  }

  harness::DatapathHost& h() { return *host; }
  hal::MacAddr mac(unsigned vf) { return host->mac(vf); }

  /// 200 us of time, each VF driver's watchdog (the guest OS sets its queues up again after a
  /// VF reset, as traffic_rig does), the PF's service, then the device until it is idle.
  void step() {
    host->clock().advance(200us);
    for (unsigned i = 0; i < host->num_ports(); ++i) {
      harness::VfPort& p = host->port(i);
      p.drv->service();
      if (p.drv->counters().resets != resets[i] && p.drv->state() == vf::State::kUp) {
        REQUIRE(p.setup_queues(popts.ring_size, popts.rx, popts.tx, 1).has_value());
        resets[i] = p.drv->counters().resets;
      }
    }
    host->pf().service_once();
    run_device();
  }
  void run_device() {
    for (unsigned i = 0; i < 64 && host->device().poll_once() != 0; ++i) {
    }
  }
  /// Steps and polls `nic` until `done`; false after 2000 steps.
  template <typename F>
  bool run_until(FailoverNic& nic, F done) {
    for (unsigned i = 0; i < 2000; ++i) {
      if (done()) return true;
      step();
      nic.poll();
    }
    return done();
  }

  /// What the guest posted since the last call.
  std::vector<GuestMsg> host_msgs(SyntheticChannel* c = nullptr) {
    if (c == nullptr) c = ch.get();
    std::vector<GuestMsg> out;
    while (auto m = c->host_next_msg()) out.push_back(*m);
    return out;
  }
  /// Frames the guest sent on the channel, freed as the host's switch does after copying.
  unsigned host_take(SyntheticChannel* c = nullptr) {
    if (c == nullptr) c = ch.get();
    unsigned total = 0;
    rte_mbuf* b[32];
    for (uint16_t n; (n = c->host_receive(b, 32)) != 0;) {
      rte_pktmbuf_free_bulk(b, n);
      total += n;
    }
    return total;
  }
  /// `n` frames for the NIC's MAC delivered by the host on the channel.
  void host_deliver(unsigned n) {
    std::vector<rte_mbuf*> pkts;
    for (unsigned i = 0; i < n; ++i) {
      pkts.push_back(appstest::make_mbuf(guest_pool.get(), frame(mac(kNicVf), mac(kPeerVf), i)));
    }
    REQUIRE(ch->host_send(pkts.data(), static_cast<uint16_t>(n)) == n);
  }

  /// `n` frames from the NIC to the peer VF, built in the VF's pool (the guest's memory the VF
  /// may read), handed to nic.tx_burst; returns how many it took (the rest are freed).
  uint16_t nic_send(FailoverNic& nic, unsigned n, uint32_t first_seq = 0) {
    std::vector<rte_mbuf*> pkts;
    for (unsigned i = 0; i < n; ++i) {
      pkts.push_back(appstest::make_mbuf(host->port(kNicVf).pool.get(), frame(mac(kPeerVf), mac(kNicVf), first_seq + i)));
    }
    const uint16_t k = nic.tx_burst(pkts.data(), static_cast<uint16_t>(n));
    if (k < n) rte_pktmbuf_free_bulk(pkts.data() + k, n - k);
    return k;
  }
  /// Reads everything the NIC has, frees it; returns how many.
  unsigned nic_receive(FailoverNic& nic) {
    unsigned total = 0;
    rte_mbuf* b[16];
    for (uint16_t n; (n = nic.rx_burst(b, 16)) != 0;) {
      rte_pktmbuf_free_bulk(b, n);
      total += n;
    }
    return total;
  }
  /// `n` frames from the peer VF to the NIC's MAC, handed to the peer's TX queue.
  void peer_send(unsigned n) {
    std::vector<std::vector<uint8_t>> frames;
    for (unsigned i = 0; i < n; ++i) frames.push_back(frame(mac(kNicVf), mac(kPeerVf), i));
    appstest::send_frames(*host, kPeerVf, frames);
  }

  /// A NIC with the VF's MAC, on the channel, attached to VF0, moved to the VF.
  std::unique_ptr<FailoverNic> nic_on_vf() {
    auto nic = std::make_unique<FailoverNic>(mac(kNicVf), host->clock());
    nic->set_synthetic(ch.get());
    nic->attach_vf(host->port(kNicVf));
    REQUIRE(run_until(*nic, [&] { return nic->path() == Path::kVf; }));
    (void)host_msgs();
    return nic;
  }

  harness::PortOptions popts;
  std::unique_ptr<harness::DatapathHost> host;
  harness::MempoolPtr guest_pool;
  std::unique_ptr<SyntheticChannel> ch;
  std::vector<uint64_t> resets;
};

// The test cases stay inside the namespace: in a unity build a file-scope using-directive
// would meet the other failover tests' helpers of the same names.

TEST_CASE("a failover NIC starts on the synthetic path and moves to its VF once the VF's link is up",
          "[failover-nic]") {
  Rig r;
  FailoverNic nic(r.mac(kNicVf), r.h().clock());
  CHECK(nic.path() == Path::kNone);
  nic.set_synthetic(r.ch.get());
  CHECK(r.host_msgs().empty());  // the path changes at the next poll
  nic.poll();
  CHECK(nic.path() == Path::kSynthetic);
  CHECK(r.host_msgs() == std::vector<GuestMsg>{GuestMsg::kDataPathSynthetic});

  nic.attach_vf(r.h().port(kNicVf));
  CHECK(nic.has_vf());
  REQUIRE(r.run_until(nic, [&] { return nic.path() == Path::kVf; }));
  CHECK(r.h().port(kNicVf).drv->link_up());
  CHECK(r.host_msgs() == std::vector<GuestMsg>{GuestMsg::kDataPathVf});
  const auto c = nic.counters();
  CHECK(c.to_synthetic == 1);
  CHECK(c.to_vf == 1);

  SECTION("frames go out on the VF and come in on both paths") {
    CHECK(r.nic_send(nic, 20) == 20);
    r.run_device();
    CHECK(appstest::receive_all(r.h(), kPeerVf).size() == 20);
    CHECK(r.host_take() == 0);

    r.peer_send(7);
    r.run_device();
    r.host_deliver(5);
    CHECK(r.nic_receive(nic) == 12);
    const auto k = nic.counters();
    CHECK(k.tx_vf == 20);
    CHECK(k.tx_synthetic == 0);
    CHECK(k.tx_held == 0);
    CHECK(k.rx_vf == 7);
    CHECK(k.rx_synthetic == 5);
  }
}

TEST_CASE("a VF whose MAC is not the NIC's is never used", "[failover-nic]") {
  Rig r;
  FailoverNic nic(r.mac(kNicVf), r.h().clock());
  nic.set_synthetic(r.ch.get());
  nic.attach_vf(r.h().port(kPeerVf));
  for (unsigned i = 0; i < 200; ++i) {
    r.step();
    nic.poll();
  }
  CHECK(r.h().port(kPeerVf).drv->link_up());
  CHECK(nic.path() == Path::kSynthetic);
  CHECK(nic.counters().to_vf == 0);
}

TEST_CASE("the VF's link going down moves the NIC to the synthetic path, and back when it returns",
          "[failover-nic]") {
  Rig r;
  auto nic = r.nic_on_vf();
  const hal::VfId vf0{kNicVf};
  // nic_on_vf() started on the synthetic path until the VF's link settled.
  const auto c0 = nic->counters();
  REQUIRE(c0.to_synthetic == 1);
  REQUIRE(c0.to_vf == 1);

  REQUIRE(r.h().pf().set_vf_link_state(vf0, pf::LinkState::kDisable).has_value());
  REQUIRE(r.run_until(*nic, [&] { return nic->path() == Path::kSynthetic; }));
  CHECK_FALSE(r.h().port(kNicVf).drv->link_up());
  CHECK(r.host_msgs() == std::vector<GuestMsg>{GuestMsg::kDataPathSynthetic});
  const hal::Nanos went = nic->last_switch();

  // On the synthetic path the guest's frames go to the host.
  CHECK(r.nic_send(*nic, 10) == 10);
  CHECK(r.host_take() == 10);

  // Time on the synthetic path counts while it is the path.
  r.step();
  nic->poll();
  CHECK(nic->counters().time_on_synthetic_ns ==
        c0.time_on_synthetic_ns + static_cast<uint64_t>((r.h().clock().now() - went).count()));

  REQUIRE(r.h().pf().set_vf_link_state(vf0, pf::LinkState::kEnable).has_value());
  REQUIRE(r.run_until(*nic, [&] { return nic->path() == Path::kVf; }));
  CHECK(r.host_msgs() == std::vector<GuestMsg>{GuestMsg::kDataPathVf});
  const hal::Nanos back = nic->last_switch();
  CHECK(back > went);

  CHECK(r.nic_send(*nic, 10) == 10);
  r.run_device();
  CHECK(appstest::receive_all(r.h(), kPeerVf).size() == 10);

  const auto c = nic->counters();
  CHECK(c.to_synthetic == 2);
  CHECK(c.to_vf == 2);
  CHECK(c.tx_synthetic == 10);
  CHECK(c.tx_vf == 10);
  // Closed now: exactly the interval between the two switches, however long the run goes on.
  CHECK(c.time_on_synthetic_ns == c0.time_on_synthetic_ns + static_cast<uint64_t>((back - went).count()));
  r.step();
  CHECK(nic->counters().time_on_synthetic_ns == c.time_on_synthetic_ns);
}

TEST_CASE("an eject request moves the NIC off its VF at once, the VF quiesces after its rings",
          "[failover-nic]") {
  const bool head_wb = GENERATE(false, true);
  INFO("head write-back " << head_wb);
  harness::PortOptions po;
  po.tx.head_writeback = head_wb;
  Rig r(po);
  auto nic = r.nic_on_vf();

  // Frames the device delivered to the VF before the eject, not read yet.
  r.peer_send(40);
  r.run_device();
  // Frames the VF's TX queue took before the eject and the device has not sent yet: 40 is
  // not a multiple of the RS threshold (32), so the last 8 never get a DD.
  REQUIRE(r.nic_send(*nic, 40) == 40);

  r.ch->host_post(HostMsg::kVfRevoke);
  nic->poll();
  CHECK(nic->releasing());
  CHECK(nic->path() == Path::kSynthetic);
  CHECK(nic->counters().revokes == 1);
  CHECK(r.host_msgs() == std::vector<GuestMsg>{GuestMsg::kDataPathSynthetic});
  CHECK_FALSE(nic->vf_quiesced());

  // From now on the guest's frames go to the host, although the VF is still up.
  CHECK(r.h().port(kNicVf).drv->link_up());
  CHECK(r.nic_send(*nic, 5, 1000) == 5);
  CHECK(r.host_take() == 5);

  // What the VF received is still read.
  CHECK(r.nic_receive(*nic) == 40);
  CHECK(nic->counters().rx_vf == 40);
  // RX drained, but the device has not sent the TX ring yet.
  CHECK_FALSE(nic->vf_quiesced());

  r.run_device();
  CHECK(appstest::receive_all(r.h(), kPeerVf).size() == 40);
  CHECK(nic->vf_quiesced());
  // Polling keeps it off the VF while the release is under way.
  r.step();
  nic->poll();
  CHECK(nic->path() == Path::kSynthetic);

  nic->detach_vf();
  CHECK_FALSE(nic->has_vf());
  CHECK_FALSE(nic->releasing());
  CHECK_FALSE(nic->vf_quiesced());
  CHECK(nic->path() == Path::kSynthetic);
  nic->poll();
  CHECK(r.host_msgs().empty());  // already on the synthetic path: nothing to tell
  const auto c = nic->counters();
  CHECK(c.tx_vf == 40);
  CHECK(c.tx_synthetic == 5);
  CHECK(c.to_synthetic == 2);  // one while the VF's link settled, one for the eject
  CHECK(c.to_vf == 1);
}

TEST_CASE("the VF quiesces only once its RX ring was read short after the eject", "[failover-nic]") {
  Rig r;
  auto nic = r.nic_on_vf();
  r.peer_send(20);
  r.run_device();
  r.ch->host_post(HostMsg::kVfRevoke);
  nic->poll();
  CHECK_FALSE(nic->vf_quiesced());  // TX ring empty, RX not read yet
  rte_mbuf* b[10];
  REQUIRE(nic->rx_burst(b, 10) == 10);  // a full burst: there may be more
  rte_pktmbuf_free_bulk(b, 10);
  CHECK_FALSE(nic->vf_quiesced());
  REQUIRE(nic->rx_burst(b, 10) == 10);
  rte_pktmbuf_free_bulk(b, 10);
  CHECK_FALSE(nic->vf_quiesced());
  CHECK(nic->rx_burst(b, 10) == 0);
  CHECK(nic->vf_quiesced());
}

TEST_CASE("without a channel or a VF the NIC takes nothing, a new channel hears the path at once",
          "[failover-nic]") {
  Rig r;
  FailoverNic nic(r.mac(kNicVf), r.h().clock());
  nic.poll();
  CHECK(nic.path() == Path::kNone);
  CHECK(r.nic_send(nic, 8) == 0);
  CHECK(nic.counters().tx_held == 8);
  rte_mbuf* b[4];
  CHECK(nic.rx_burst(b, 4) == 0);
  // An eject request with no VF is counted and changes nothing.
  nic.set_synthetic(r.ch.get());
  r.ch->host_post(HostMsg::kVfRevoke);
  nic.poll();
  CHECK(nic.counters().revokes == 1);
  CHECK_FALSE(nic.releasing());
  CHECK(nic.path() == Path::kSynthetic);
  CHECK(r.host_msgs() == std::vector<GuestMsg>{GuestMsg::kDataPathSynthetic});

  // The guest pauses between hosts: no channel. The path is the synthetic one still, but
  // there is nowhere to send.
  nic.set_synthetic(nullptr);
  CHECK(r.nic_send(nic, 3) == 0);
  CHECK(nic.counters().tx_held == 11);

  // On the new host, the new channel hears at once where to deliver.
  auto c2 = SyntheticChannel::create(r.guest_pool.get());
  REQUIRE(c2.has_value());
  SyntheticChannel& ch2 = **c2;
  nic.set_synthetic(&ch2);
  CHECK(r.host_msgs(&ch2) == std::vector<GuestMsg>{GuestMsg::kDataPathSynthetic});
  CHECK(r.host_msgs().empty());
  CHECK(r.nic_send(nic, 4) == 4);
  CHECK(r.host_take(&ch2) == 4);
  nic.poll();
  CHECK(r.host_msgs(&ch2).empty());
  CHECK(nic.counters().to_synthetic == 1);

  // Paused and polled without a channel: no path.
  nic.set_synthetic(nullptr);
  nic.poll();
  CHECK(nic.path() == Path::kNone);
  nic.set_synthetic(&ch2);
  CHECK(r.host_msgs(&ch2).empty());  // told at the next poll, as any path change
  nic.poll();
  CHECK(r.host_msgs(&ch2) == std::vector<GuestMsg>{GuestMsg::kDataPathSynthetic});
}

TEST_CASE("time on the synthetic path adds up over closed intervals and the open one", "[failover-nic]") {
  Rig r;
  FailoverNic nic(r.mac(kNicVf), r.h().clock());
  nic.set_synthetic(r.ch.get());
  nic.poll();
  const hal::Nanos t0 = r.h().clock().now();
  r.h().clock().advance(5ms);
  CHECK(nic.counters().time_on_synthetic_ns == 5'000'000);
  nic.attach_vf(r.h().port(kNicVf));
  REQUIRE(r.run_until(nic, [&] { return nic.path() == Path::kVf; }));
  const hal::Nanos first = nic.last_switch() - t0;
  CHECK(nic.counters().time_on_synthetic_ns == static_cast<uint64_t>(first.count()));

  nic.detach_vf();  // surprise removal
  CHECK(nic.path() == Path::kSynthetic);
  r.h().clock().advance(3ms);
  CHECK(nic.counters().time_on_synthetic_ns == static_cast<uint64_t>((first + 3ms).count()));
  CHECK(nic.counters().to_synthetic == 2);
}

}  // namespace fnictest
