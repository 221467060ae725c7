// `capture dev PF (vf N | wire) -w FILE [-c COUNT] [-s SNAPLEN]`: a daemon's frames at one
// capture point, written as pcapng (pcapng_writer.hpp) as they come, until COUNT frames or
// SIGINT. The file is valid after every frame, so an interrupted capture is readable.

#include <fmt/format.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>

#include "ctl/client.hpp"
#include "ctl/daemon_transport.hpp"
#include "sriovctl/interrupt.hpp"
#include "sriovctl/json_text.hpp"
#include "sriovctl/pcapng_writer.hpp"
#include "sriovctl/run.hpp"
#include "sriovctl/run_common.hpp"
#include "sriovctl/version.hpp"

namespace sriovctl {
namespace {

nlohmann::json capture_args(const CaptureCmd& cmd) {
  nlohmann::json a = {{"count", cmd.count}, {"snaplen", cmd.snaplen}};
  if (cmd.point == CapturePoint::kWire) {
    a["target"] = "wire";
  } else {
    a["target"] = "vf";
    a["vf"] = cmd.vf.value();
  }
  return a;
}

// The pcapng interface the daemon's start reply describes. Its "linktype" (optional: Ethernet
// when absent) must fit pcapng's 16 bits; get<uint16_t>() would cut 70000 to 4464 and label
// the file with some other link type. Error: why the reply cannot be used.
std::expected<pcapng::Interface, std::string> interface_for(const CaptureCmd& cmd, const Target& pf,
                                                            const nlohmann::json& start) {
  pcapng::Interface itf;
  itf.snaplen = cmd.snaplen;
  itf.name = cmd.point == CapturePoint::kWire ? fmt::format("{} wire", pf.name)
                                              : fmt::format("{} vf {}", pf.name, cmd.vf);
  if (const auto it = start.find("interface"); it != start.end() && it->is_string()) {
    itf.description = it->get<std::string>();
  }
  if (const auto it = start.find("linktype"); it != start.end()) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() > UINT16_MAX) {
      return std::unexpected(fmt::format(
          "the daemon's capture reply has linktype {}, not a number 0..{} (protocol error)",
          compact_json(*it), UINT16_MAX));
    }
    itf.linktype = static_cast<uint16_t>(it->get<uint64_t>());
  }
  return itf;
}

pcapng::Direction direction_of(ctl::FrameDirection d) {
  switch (d) {
    case ctl::FrameDirection::kInbound:
      return pcapng::Direction::kInbound;
    case ctl::FrameDirection::kOutbound:
      return pcapng::Direction::kOutbound;
  }
  return pcapng::Direction::kUnknown;
}

// The capture's state across ctl::capture's callbacks.
struct Session {
  const CaptureCmd& cmd;
  const Target& pf;
  Env& env;
  int fd;  ///< the daemon socket's, -1 for a transport without one
  std::optional<pcapng::Writer> writer;
  std::string error;  ///< why the capture stopped on our side (the file)

  void stop() {
    // Shutting the socket down ends ctl::capture's wait at once.
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  }
  void on_start(const nlohmann::json& reply) {
    auto itf = interface_for(cmd, pf, reply);
    if (!itf) {
      error = itf.error();
      stop();
      return;
    }
    auto w = pcapng::Writer::open(cmd.file, *itf, fmt::format("sriovctl {}", kVersion));
    if (!w) {
      error = w.error();
      stop();
      return;
    }
    writer.emplace(std::move(*w));
  }
  bool on_frame(const ctl::CapturedFrame& f) {
    if (!writer || env.interrupted()) return false;
    if (cmd.count != 0 && writer->packets() >= cmd.count) return false;
    auto ok = writer->write(pcapng::Packet{.time_ns = f.time_ns,
                                           .orig_len = f.orig_len,
                                           .direction = direction_of(f.direction),
                                           .data = f.bytes});
    if (!ok) {
      error = ok.error();
      return false;
    }
    return true;
  }
};

}  // namespace

int run_capture(const CaptureCmd& cmd, Env& env) {
  auto pf = open_pf(cmd.dev, env);
  if (!pf) return pf.error();
  const std::string label = pf->target.label();
  if (pf->target.kind == PfKind::kKernel) {
    return fail(env, label,
                fmt::format("capture: only a sriov-sim daemon's capture points are reachable; "
                            "for kernel PF {} use tcpdump on the netdev",
                            pf->target.name));
  }
  int fd = -1;
  if (auto* d = dynamic_cast<ctl::DaemonTransport*>(pf->transport.get()); d != nullptr) {
    // Frames come when traffic does: wait for them without a timeout (SIGINT ends the wait).
    if (auto ok = d->set_timeout(std::chrono::milliseconds{0}); !ok) {
      return fail(env, label, ok.error().to_string());
    }
    fd = d->fd();
  }
  InterruptWatch watch(fd);
  Session s{cmd, pf->target, env, fd, std::nullopt, {}};
  auto end = ctl::capture(
      *pf->transport, capture_args(cmd), [&](const nlohmann::json& r) { s.on_start(r); },
      [&](const ctl::CapturedFrame& f) { return s.on_frame(f); });
  if (!s.error.empty()) return fail(env, label, fmt::format("capture: {}", s.error));
  if (!end && !env.interrupted() &&
      !(s.writer && cmd.count != 0 && s.writer->packets() >= cmd.count)) {
    return fail(env, label, fmt::format("capture: {}", reason_of(end.error())));
  }
  const uint64_t written = s.writer ? s.writer->packets() : 0;
  const uint64_t dropped = end ? end->dropped : 0;
  env.err << fmt::format("{} packet(s) captured{}\n", written,
                         dropped != 0 ? fmt::format(", {} dropped by the daemon", dropped) : "");
  return kExitOk;
}

}  // namespace sriovctl
