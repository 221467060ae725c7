#include "tools/sim_report.hpp"

#include <fmt/format.h>

namespace tools {
namespace {

struct Row {
  unsigned vf;
  std::string bdf;
  std::string mac;
  bool admin_mac;
  uint16_t vlan;
  uint8_t qos;
  bool trusted;
  bool spoofchk;
  bool link;
  std::string api;
  unsigned txq, rxq;
  std::string state;
  std::string link_state;
};

Row make_row(harness::SimHost& host, unsigned i) {
  harness::Guest& g = host.guest(i);
  const pf::VfInfo info = host.with_pf([&](pf::PfDriver& p) { return p.vf_info(g.id()); });
  const vf::VfDriver& d = g.driver();
  std::string name = g.function().name();
  const size_t colon = name.find(':');
  return Row{i,
             colon == std::string::npos ? name : name.substr(colon + 1),
             d.mac().to_string(),
             info.admin_mac,
             info.vlan,
             info.qos,
             info.trusted,
             info.spoofchk,
             g.is_up(),
             std::string(mbx::to_string(d.api())),
             d.tx_queues(),
             d.rx_queues(),
             std::string(vf::to_string(d.state())),
             std::string(pf::to_string(info.link_state))};
}

double ms(hal::Nanos d) { return static_cast<double>(d.count()) / 1e6; }

}  // namespace

std::string format_table(harness::SimHost& host, const harness::BringUpReport& report) {
  const auto& o = host.options();
  std::string out = fmt::format(
      "{}: {} of {} VFs up in {:.3f} ms ({} mode{}), wall {:.3f} ms; VT mode {} pools x {} queues\n",
      o.name, report.up, report.vfs, ms(report.enable_to_all_up), harness::to_string(o.mode),
      o.mode == harness::Mode::kStepped ? ", simulated time" : "", ms(report.wall),
      host.with_pf([](pf::PfDriver& p) { return p.num_pools(); }),
      host.with_pf([](pf::PfDriver& p) { return p.queues_per_pool(); }));
  out += fmt::format("{:<3} {:<13} {:<17} {:<5} {:<9} {:<5} {:<8} {:<9} {:<4} {:<6} {}\n", "VF",
                     "BDF", "MAC", "ADMIN", "VLAN/QOS", "TRUST", "SPOOFCHK", "LINK", "API",
                     "QUEUES", "STATE");
  for (unsigned i = 0; i < host.num_guests(); ++i) {
    const Row r = make_row(host, i);
    out += fmt::format("{:<3} {:<13} {:<17} {:<5} {:<9} {:<5} {:<8} {:<9} {:<4} {:<6} {}\n", r.vf,
                       r.bdf, r.mac, r.admin_mac ? "yes" : "no", fmt::format("{}/{}", r.vlan, r.qos),
                       r.trusted ? "on" : "off", r.spoofchk ? "on" : "off",
                       fmt::format("{}/{}", r.link ? "up" : "down", r.link_state), r.api,
                       fmt::format("{}/{}", r.txq, r.rxq), r.state);
  }
  return out;
}

nlohmann::json to_json(harness::SimHost& host, const harness::BringUpReport& report) {
  const auto& o = host.options();
  nlohmann::json j;
  j["pf"] = host.device().pf().name();
  j["mode"] = harness::to_string(o.mode);
  j["num_vfs"] = report.vfs;
  j["vfs_up"] = report.up;
  j["bring_up_ms"] = ms(report.enable_to_all_up);
  j["wall_ms"] = ms(report.wall);
  j["pools"] = host.with_pf([](pf::PfDriver& p) { return p.num_pools(); });
  j["queues_per_pool"] = host.with_pf([](pf::PfDriver& p) { return p.queues_per_pool(); });
  j["failures"] = report.failures;
  j["vfs"] = nlohmann::json::array();
  for (unsigned i = 0; i < host.num_guests(); ++i) {
    const Row r = make_row(host, i);
    j["vfs"].push_back({{"vf", r.vf},
                        {"bdf", r.bdf},
                        {"mac", r.mac},
                        {"mac_admin_set", r.admin_mac},
                        {"vlan", r.vlan},
                        {"qos", r.qos},
                        {"trust", r.trusted},
                        {"spoofchk", r.spoofchk},
                        {"link", r.link ? "up" : "down"},
                        {"link_state", r.link_state},
                        {"api", r.api},
                        {"tx_queues", r.txq},
                        {"rx_queues", r.rxq},
                        {"state", r.state}});
  }
  return j;
}

}  // namespace tools
