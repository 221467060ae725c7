#include "tools/sim_hw.hpp"

#include <chrono>
#include <cstdio>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "datapath/eal.hpp"
#include "doctor/fs.hpp"
#include "hal/vfio/preflight_hugepages.hpp"
#include "harness/hw/hw_host.hpp"
#include "tools/sim_report.hpp"
#include "tools/device_env.hpp"
#include "tools/trace_out.hpp"

namespace tools {

namespace {

namespace vfio = hal::vfio;

int hw_usage_error(const DeviceEnv& env, const std::string& msg) {
  fmt::print(env.err, "sriov-sim: {}\n", msg);
  return 2;
}

int hw_failed(const DeviceEnv& env, const std::string& msg) {
  fmt::print(env.err, "sriov-sim: {}\n", msg);
  return 1;
}

/// One VF as sriov-sim shows it on a real device; the admin columns come from our PF (PF
/// mode) and are unknown in VF mode.
struct HwRow {
  unsigned vf;
  std::string bdf, mac;
  std::optional<pf::VfInfo> info;
  bool link;
  std::string api;
  unsigned txq, rxq;
  std::string state;
};

HwRow hw_row(harness::HwHost& host, unsigned i) {
  const vf::VfDriver& d = *host.port(i).drv;
  HwRow r{i,
          host.vf_function(i).bdf(),
          d.mac().to_string(),
          std::nullopt,
          d.link_up(),
          std::string(mbx::to_string(d.api())),
          d.tx_queues(),
          d.rx_queues(),
          std::string(vf::to_string(d.state()))};
  if (host.pf() != nullptr) r.info = host.pf()->vf_info(hal::VfId{i});
  return r;
}

std::string mode_name(const harness::HwHost& host) {
  return host.mode() == vfio::Role::kPf ? "PF mode" : "VF mode";
}

std::string hw_table(harness::HwHost& host, const std::string& device, double open_ms,
                     unsigned up) {
  std::string out = fmt::format("{}: {} of {} VFs up in {:.3f} ms ({}, real time)", device, up,
                                host.num_ports(), open_ms, mode_name(host));
  if (pf::PfDriver* p = host.pf()) {
    out += fmt::format("; VT mode {} pools x {} queues; VF token {}", p->num_pools(),
                       p->queues_per_pool(), host.vf_token());
  }
  out += "\n";
  out += fmt::format("{:<3} {:<13} {:<17} {:<5} {:<9} {:<5} {:<8} {:<9} {:<4} {:<6} {}\n", "VF",
                     "BDF", "MAC", "ADMIN", "VLAN/QOS", "TRUST", "SPOOFCHK", "LINK", "API",
                     "QUEUES", "STATE");
  for (unsigned i = 0; i < host.num_ports(); ++i) {
    const HwRow r = hw_row(host, i);
    const auto& in = r.info;
    out += fmt::format(
        "{:<3} {:<13} {:<17} {:<5} {:<9} {:<5} {:<8} {:<9} {:<4} {:<6} {}\n", r.vf, r.bdf, r.mac,
        in ? (in->admin_mac ? "yes" : "no") : "-",
        in ? fmt::format("{}/{}", in->vlan, in->qos) : std::string("-"),
        in ? (in->trusted ? "on" : "off") : "-", in ? (in->spoofchk ? "on" : "off") : "-",
        in ? fmt::format("{}/{}", r.link ? "up" : "down", pf::to_string(in->link_state))
           : std::string(r.link ? "up" : "down"),
        r.api, fmt::format("{}/{}", r.txq, r.rxq), r.state);
  }
  return out;
}

nlohmann::json hw_json(harness::HwHost& host, const std::string& device, double open_ms,
                       unsigned up) {
  nlohmann::json j;
  j["device"] = device;
  j["mode"] = host.mode() == vfio::Role::kPf ? "pf" : "vf";
  j["num_vfs"] = host.num_ports();
  j["vfs_up"] = up;
  j["bring_up_ms"] = open_ms;
  j["vf_token"] = host.vf_token();
  if (pf::PfDriver* p = host.pf()) {
    j["pools"] = p->num_pools();
    j["queues_per_pool"] = p->queues_per_pool();
  }
  j["vfs"] = nlohmann::json::array();
  for (unsigned i = 0; i < host.num_ports(); ++i) {
    const HwRow r = hw_row(host, i);
    nlohmann::json v = {{"vf", r.vf},
                        {"bdf", r.bdf},
                        {"mac", r.mac},
                        {"link", r.link ? "up" : "down"},
                        {"api", r.api},
                        {"tx_queues", r.txq},
                        {"rx_queues", r.rxq},
                        {"state", r.state}};
    if (r.info) {
      v["mac_admin_set"] = r.info->admin_mac;
      v["vlan"] = r.info->vlan;
      v["qos"] = r.info->qos;
      v["trust"] = r.info->trusted;
      v["spoofchk"] = r.info->spoofchk;
      v["link_state"] = pf::to_string(r.info->link_state);
    }
    j["vfs"].push_back(std::move(v));
  }
  return j;
}

void print_events(std::FILE* out, const pf::PfDriver& p) {
  const pf::EventLog& log = p.events();
  for (size_t i = 0; i < log.size(); ++i) {
    const pf::Event& e = log[i];
    fmt::print(out, "event {} {} {}: {}\n", e.seq, e.vf ? fmt::format("vf={}", *e.vf) : "pf",
               pf::to_string(e.code), e.reason.view());
  }
}

}  // namespace

harness::HwHostOptions hw_host_options(const HwSimArgs& a, const DeviceEnv& env) {
  harness::HwHostOptions ho;
  env.apply(ho);
  ho.bdfs = a.device.spec.bdfs;
  ho.num_vfs = a.vfs;
  ho.vf_token = a.device.token;
  ho.admin = a.admin;
  ho.mailbox_flood = a.mailbox_flood;
  ho.port.driver.mac_seed = a.seed;
  ho.port.ring_size = a.topts.ring_size;
  if (a.trace_mailbox) {
    ho.mailbox_trace = [out = env.out](hal::VfId vf, mbx::Direction d,
                                       std::span<const uint32_t> w) {
      std::fputs((mbx::format_trace(vf, d, w) + "\n").c_str(), out);
    };
  }
  return ho;
}

hal::AccessTraceFn register_trace_to(std::shared_ptr<TraceOut> out) {
  return [out = std::move(out)](const hal::TracedAccess& t) {
    out->line("reg " + hal::format_traced(t));
  };
}

std::expected<std::shared_ptr<TraceOut>, std::string> open_register_trace(
    const HwSimArgs& a, harness::HwHostOptions& ho) {
  if (!a.trace_registers) return nullptr;
  auto t = TraceOut::open(a.trace_file);
  if (!t) return std::unexpected(t.error());
  ho.register_trace = register_trace_to(*t);
  return std::move(*t);
}

int run_on_device(const HwSimArgs& a, const DeviceEnv& env) {
  harness::HwHostOptions ho = hw_host_options(a, env);
  // The sysfs checks first: a host without the device fails here, in milliseconds, before
  // DPDK exists and before anything (a trace file) is written.
  auto mode = harness::HwHost::preflight(ho);
  if (!mode) return hw_failed(env, mode.error());
  const bool vf_mode = *mode == vfio::Role::kVf;
  if (vf_mode) {
    if (a.vfs_given) {
      return hw_usage_error(env, "--vfs: in VF mode the VFs are the addresses --device names");
    }
    if (!a.admin.empty()) {
      return hw_usage_error(
          env,
          "--vf-mac/--vf-vlan/--vf-trust/--vf-spoofchk: in VF mode the PF's owner sets them "
          "(ip link set PF vf N ...)");
    }
    if (a.events) {
      return hw_usage_error(
          env, "--events: the event log is our PF's; in VF mode the PF runs elsewhere");
    }
  } else if (a.vfs == 0) {
    return hw_usage_error(env, fmt::format("--vfs 0: PF mode on {} enables 1..63 VFs",
                                           a.device.spec.bdfs.front()));
  }
  const unsigned ports = vf_mode ? static_cast<unsigned>(ho.bdfs.size()) : a.vfs;
  if (a.traffic > 0 && ports < 2) return hw_usage_error(env, "--traffic: needs at least 2 VFs");

  // Every port gets its pool at open, traffic or not. The EAL as on the simulation (IOVA =
  // VA, no PCI bus: we own VFIO), on hugepages when asked; VFIO_IOMMU_MAP_DMA pins the pools'
  // pages either way.
  if (a.hugepages) {
    if (auto r = vfio::hugepages_check(doctor::Fs(ho.root)); !r) {
      return hw_failed(env, fmt::format("--hugepages: {}", r.error().message()));
    }
  }
  // Only now, every check passed: a refused run leaves an existing FILE as it was.
  auto trace = open_register_trace(a, ho);
  if (!trace) return hw_failed(env, trace.error());
  std::optional<dp::Eal> eal;
  if (!env.eal_running) {
    dp::EalOptions eo;
    eo.program = "sriov-sim";
    eo.memory_mb = traffic_memory_mb(ports, a.topts);
    eo.huge_pages = a.hugepages;
    auto e = dp::Eal::init(eo);
    if (!e) return hw_failed(env, fmt::format("EAL: {}", e.error()));
    eal.emplace(std::move(*e));
  }

  int rc = 0;
  {
    const auto t0 = std::chrono::steady_clock::now();
    auto host = harness::HwHost::open(std::move(ho));
    if (!host) return hw_failed(env, host.error());
    const double open_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    harness::HwHost& h = **host;
    unsigned up = 0;
    for (unsigned i = 0; i < h.num_ports(); ++i) {
      if (h.port(i).drv->state() == vf::State::kUp) ++up;
    }
    std::optional<TrafficReport> traffic_report;
    std::string traffic_error;
    if (a.traffic > 0 && up == h.num_ports()) {
      TrafficOptions t = a.topts;
      t.seconds = a.traffic;
      if (auto r = run_traffic(h, t); !r) {
        traffic_error = fmt::format("traffic: {}", r.error());
      } else {
        traffic_report = std::move(*r);
        if (!traffic_report->ok()) {
          traffic_error = fmt::format("traffic: {}", traffic_report->accounting_check);
        }
      }
    }
    const std::string device = a.device.spec.str();
    if (a.json) {
      nlohmann::json j = hw_json(h, device, open_ms, up);
      if (traffic_report) j["traffic"] = traffic_json(*traffic_report);
      fmt::print(env.out, "{}\n", j.dump(2));
    } else {
      fmt::print(env.out, "{}", hw_table(h, device, open_ms, up));
      if (traffic_report) fmt::print(env.out, "{}", format_traffic(*traffic_report));
    }
    if (a.events && h.pf() != nullptr) print_events(env.out, *h.pf());
    std::fflush(env.out);
    if (up != h.num_ports()) fmt::print(env.err, "sriov-sim: {} of {} VFs up\n", up, h.num_ports());
    if (!traffic_error.empty()) fmt::print(env.err, "sriov-sim: {}\n", traffic_error);
    rc = up == h.num_ports() && traffic_error.empty() ? 0 : 1;
  }
  return rc;
}

}  // namespace tools
