#include "harness/wire/ethdev_port.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <utility>

#include <fmt/format.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "datapath/eal.hpp"
#include "harness/datapath_host.hpp"

namespace harness {

namespace {

/// Mbufs a port's pool needs besides its queues: a burst in flight each way.
constexpr unsigned kBurstSlack = 2 * 32;

unsigned default_pool_size(const EthdevPortOptions& o) {
  const unsigned need = unsigned{o.rx_desc} + o.tx_desc + kBurstSlack + o.extra_mbufs;
  return std::bit_ceil(need + 1) - 1;  // rte_mempool is most compact at 2^k - 1
}

/// The device name of `devargs`: everything before the first comma.
std::string_view device_name(std::string_view devargs) {
  return devargs.substr(0, devargs.find(','));
}

bool plausible_name(std::string_view name) {
  return !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0 || c == '=';
  });
}

}  // namespace

EthdevPort::EthdevPort(uint16_t id, std::string name, rte_device* device)
    : id_(id), name_(std::move(name)), device_(device) {}

EthdevPort::EthdevPort(EthdevPort&& other) noexcept
    : pool_(std::move(other.pool_)),
      id_(other.id_),
      name_(std::move(other.name_)),
      device_(other.device_),
      started_(other.started_),
      owner_(std::exchange(other.owner_, false)) {}

EthdevPort::~EthdevPort() {
  if (!owner_) return;
  if (started_) rte_eth_dev_stop(id_);
  // Close releases the port id; the device itself stays on its bus until removed.
  rte_eth_dev_close(id_);
  if (device_ != nullptr) rte_dev_remove(device_);
  if (name_.starts_with("net_memif")) dp::note_late_interrupt_release();
}

std::expected<EthdevPort, std::string> EthdevPort::probe(std::string_view devargs,
                                                        const EthdevPortOptions& opts) {
  if (!dp::Eal::running()) {
    return std::unexpected(std::string("no EAL is running (dp::shared_eal() first)"));
  }
  const std::string name(device_name(devargs));
  if (!plausible_name(name)) {
    return std::unexpected(fmt::format(
        "devargs \"{}\": want a device name first, then its arguments (net_pcap0,tx_pcap=out.pcap)",
        devargs));
  }
  uint16_t existing = 0;
  if (rte_eth_dev_get_port_by_name(name.c_str(), &existing) == 0) {
    return std::unexpected(
        fmt::format("devargs \"{}\": an ethdev named {} exists already (port {})", devargs, name, existing));
  }
  const std::string args(devargs);
  if (const int r = rte_dev_probe(args.c_str()); r < 0) {
    return std::unexpected(fmt::format(
        "devargs \"{}\": probe failed: {} (an unknown driver, a bad or missing argument or a file "
        "that cannot be opened: DPDK's log above has the driver's reason)",
        devargs, rte_strerror(-r)));
  }
  uint16_t id = 0;
  if (rte_eth_dev_get_port_by_name(name.c_str(), &id) != 0) {
    rte_eal_hotplug_remove("vdev", name.c_str());
    return std::unexpected(fmt::format("devargs \"{}\": {} is not an ethdev", devargs, name));
  }
  return adopt(id, opts);
}

std::expected<EthdevPort, std::string> EthdevPort::adopt(uint16_t port_id,
                                                        const EthdevPortOptions& opts) {
  char name[RTE_ETH_NAME_MAX_LEN] = {};
  if (rte_eth_dev_get_name_by_port(port_id, name) != 0) {
    return std::unexpected(fmt::format("ethdev port {} does not exist", port_id));
  }
  rte_eth_dev_info info{};
  const int r = rte_eth_dev_info_get(port_id, &info);
  // Ours from here on, errors included: the destructor closes it (and removes the device once
  // it is known).
  EthdevPort p(port_id, name, r == 0 ? info.device : nullptr);
  if (r != 0) return std::unexpected(fmt::format("{}: device info: {}", name, rte_strerror(-r)));
  if (auto s = p.start(opts); !s) return std::unexpected(fmt::format("{}: {}", name, s.error()));
  return p;
}

std::expected<void, std::string> EthdevPort::start(const EthdevPortOptions& opts) {
  rte_eth_dev_info info{};
  if (const int r = rte_eth_dev_info_get(id_, &info); r != 0) {
    return std::unexpected(fmt::format("device info: {}", rte_strerror(-r)));
  }
  rte_eth_conf conf{};
  // Frames up to kMaxWireFrame span several mbufs: ask for chains where the driver offers
  // them (the software drivers here handle chains either way).
  if ((info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) != 0) conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
  if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0) conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
  if (const int r = rte_eth_dev_configure(id_, 1, 1, &conf); r != 0) {
    return std::unexpected(fmt::format("configure: {}", rte_strerror(-r)));
  }
  uint16_t nrx = opts.rx_desc, ntx = opts.tx_desc;
  if (const int r = rte_eth_dev_adjust_nb_rx_tx_desc(id_, &nrx, &ntx); r != 0) {
    return std::unexpected(fmt::format("descriptor counts {}/{}: {}", opts.rx_desc, opts.tx_desc, rte_strerror(-r)));
  }
  const unsigned n = opts.pool_size != 0 ? opts.pool_size : default_pool_size(opts);
  auto mp = make_pktmbuf_pool(n, 0, opts.data_room);
  if (!mp) return std::unexpected(mp.error());
  pool_ = std::shared_ptr<rte_mempool>(std::move(*mp));
  const int sock = rte_eth_dev_socket_id(id_);
  const unsigned socket = sock < 0 ? SOCKET_ID_ANY : static_cast<unsigned>(sock);
  if (const int r = rte_eth_rx_queue_setup(id_, 0, nrx, socket, nullptr, pool_.get()); r != 0) {
    return std::unexpected(fmt::format("RX queue setup ({} descriptors): {}", nrx, rte_strerror(-r)));
  }
  if (const int r = rte_eth_tx_queue_setup(id_, 0, ntx, socket, nullptr); r != 0) {
    return std::unexpected(fmt::format("TX queue setup ({} descriptors): {}", ntx, rte_strerror(-r)));
  }
  if (opts.promiscuous) {
    if (const int r = rte_eth_promiscuous_enable(id_); r != 0 && r != -ENOTSUP) {
      return std::unexpected(fmt::format("promiscuous mode: {}", rte_strerror(-r)));
    }
  }
  if (const int r = rte_eth_dev_start(id_); r != 0) {
    return std::unexpected(fmt::format("start: {}", rte_strerror(-r)));
  }
  started_ = true;
  return {};
}

bool EthdevPort::link_up() const {
  rte_eth_link link{};
  return rte_eth_link_get_nowait(id_, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

}  // namespace harness
