#include "daemon/telemetry.hpp"

#include <fmt/format.h>
#include <rte_telemetry.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>

#include "daemon/telemetry_shape.hpp"
#include "hal/ixgbe/regs_pf.hpp"

namespace simd {

namespace {

using json = nlohmann::json;

/// The installed providers. Never destroyed: DPDK's telemetry threads run until the process
/// ends and may call in while static destructors run.
struct Registry {
  std::mutex mu;  ///< held while a provider runs, so unregister_telemetry() waits for it
  TelemetryProviders p;
  bool installed = false;
  std::array<bool, 4> registered{};  ///< per command: DPDK has it (it cannot forget it)
};

Registry& registry() {
  static Registry& r = *new Registry();
  return r;
}

struct TelDataFree {
  void operator()(rte_tel_data* d) const { rte_tel_data_free(d); }
};
using TelData = std::unique_ptr<rte_tel_data, TelDataFree>;

/// rte_tel_* return 0, a negative errno, or E2BIG when they cut a string: all but 0 are
/// failures here, since the shaped value fits.
int check(int rc) { return rc == 0 ? 0 : (rc < 0 ? rc : -rc); }

/// An array of scalars of one type (shape_for_telemetry makes them so; empty: u64).
int write_scalar_array(rte_tel_data* d, const json& arr) {
  const bool strings = !arr.empty() && arr.front().is_string();
  const bool ints =
      !arr.empty() && arr.front().is_number_integer() && !arr.front().is_number_unsigned();
  if (int rc = check(rte_tel_data_start_array(d, strings ? RTE_TEL_STRING_VAL
                                                 : ints  ? RTE_TEL_INT_VAL
                                                         : RTE_TEL_U64_VAL));
      rc != 0) {
    return rc;
  }
  for (const json& e : arr) {
    int rc;
    if (strings) {
      rc = rte_tel_data_add_array_string(d, e.get_ref<const std::string&>().c_str());
    } else if (ints) {
      rc = rte_tel_data_add_array_int(d, static_cast<int>(e.get<int64_t>()));
    } else {
      rc = rte_tel_data_add_array_u64(d, e.get<uint64_t>());
    }
    if (check(rc) != 0) return check(rc);
  }
  return 0;
}

int write_dict(rte_tel_data* d, const json& obj);

/// A fresh container holding `v` (an array of scalars or a dict), added to the dict `d`.
int add_container(rte_tel_data* d, const char* name, const json& v) {
  TelData c(rte_tel_data_alloc());
  if (!c) return -ENOMEM;
  if (int rc = v.is_object() ? write_dict(c.get(), v) : write_scalar_array(c.get(), v); rc != 0)
    return rc;
  // keep = 0: DPDK frees the container with `d`, once the container is added.
  if (int rc = check(rte_tel_data_add_dict_container(d, name, c.get(), 0)); rc != 0) return rc;
  (void)c.release();
  return 0;
}

int write_dict(rte_tel_data* d, const json& obj) {
  if (int rc = check(rte_tel_data_start_dict(d)); rc != 0) return rc;
  for (const auto& [k, v] : obj.items()) {
    int rc;
    if (v.is_string()) {
      rc = rte_tel_data_add_dict_string(d, k.c_str(), v.get_ref<const std::string&>().c_str());
    } else if (v.is_number_unsigned()) {
      rc = rte_tel_data_add_dict_u64(d, k.c_str(), v.get<uint64_t>());
    } else if (v.is_number_integer()) {
      rc = rte_tel_data_add_dict_int(d, k.c_str(), static_cast<int>(v.get<int64_t>()));
    } else {
      rc = add_container(d, k.c_str(), v);
    }
    if (check(rc) != 0) return check(rc);
  }
  return 0;
}

/// Writes a value from shape_for_telemetry() into the callback's `d`.
int write_shaped(rte_tel_data* d, const json& v) {
  if (v.is_object()) return write_dict(d, v);
  if (v.is_string()) return check(rte_tel_data_string(d, v.get_ref<const std::string&>().c_str()));
  if (v.empty() || !v.front().is_array()) return write_scalar_array(d, v);
  if (int rc = check(rte_tel_data_start_array(d, RTE_TEL_CONTAINER)); rc != 0) return rc;
  for (const json& inner : v) {
    TelData c(rte_tel_data_alloc());
    if (!c) return -ENOMEM;
    if (int rc = write_scalar_array(c.get(), inner); rc != 0) return rc;
    if (int rc = check(rte_tel_data_add_array_container(d, c.get(), 0)); rc != 0) return rc;
    (void)c.release();
  }
  return 0;
}

/// Runs the provider under the registry lock, then shapes and writes its answer. Returns 0 or
/// a negative errno (DPDK then answers null). Never throws: this is DPDK's C callback.
template <typename Call>
int answer(const char* cmd, rte_tel_data* d, Call&& call) {
  try {
    std::optional<json> v;
    {
      Registry& r = registry();
      std::lock_guard lock(r.mu);
      if (!r.installed) return -ENODEV;
      v = call(r.p);
    }
    if (!v) return -ENODEV;
    auto shaped = shape_for_telemetry(*v);
    if (!shaped || telemetry_reply_bytes(cmd, *shaped) >= kTelMaxReply) return -E2BIG;
    return write_shaped(d, *shaped);
  } catch (...) {
    return -EIO;
  }
}

bool no_params(const char* params) { return params == nullptr || params[0] == '\0'; }

int on_pf(const char* cmd, const char* params, rte_tel_data* d) {
  if (!no_params(params)) return -EINVAL;
  return answer(cmd, d, [](const TelemetryProviders& p) { return std::optional<json>(p.pf()); });
}

int on_vfs(const char* cmd, const char* params, rte_tel_data* d) {
  if (!no_params(params)) return -EINVAL;
  return answer(cmd, d, [](const TelemetryProviders& p) { return std::optional<json>(p.vfs()); });
}

int on_vf(const char* cmd, const char* params, rte_tel_data* d) {
  const auto vf = parse_vf_param(params, hal::ixgbe::pf::kMaxVfs);
  if (!vf) return -EINVAL;
  return answer(cmd, d, [vf](const TelemetryProviders& p) { return p.vf(*vf); });
}

int on_events(const char* cmd, const char* params, rte_tel_data* d) {
  if (!no_params(params)) return -EINVAL;
  return answer(cmd, d,
                [](const TelemetryProviders& p) { return std::optional<json>(p.events()); });
}

struct Command {
  const char* name;
  telemetry_cb fn;
  const char* help;  ///< DPDK keeps 127 bytes
};

constexpr std::array<Command, 4> kCommands{{
    {kTelemetryPf, on_pf,
     "Returns the sriov-sim daemon's PF and device state. Takes no parameters."},
    {kTelemetryVfs, on_vfs, "Returns every VF of the sriov-sim daemon. Takes no parameters."},
    {kTelemetryVf, on_vf, "Returns one VF of the sriov-sim daemon. Parameters: int vf_id (0-63)"},
    {kTelemetryEvents, on_events,
     "Returns the sriov-sim daemon's recent events, oldest first. Takes no parameters."},
}};
static_assert(std::size(kCommands) == std::tuple_size_v<decltype(Registry::registered)>);

}  // namespace

std::expected<void, std::string> register_telemetry(TelemetryProviders p) {
  if (!p.pf || !p.vfs || !p.vf || !p.events) {
    return std::unexpected(
        std::string("telemetry: every provider (pf, vfs, vf, events) is needed"));
  }
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  if (r.installed)
    return std::unexpected(std::string("telemetry: providers are already installed"));
  for (size_t i = 0; i < kCommands.size(); ++i) {
    if (r.registered[i]) continue;
    const int rc =
        rte_telemetry_register_cmd(kCommands[i].name, kCommands[i].fn, kCommands[i].help);
    if (rc != 0) {
      return std::unexpected(
          fmt::format("telemetry: registering {}: {}", kCommands[i].name, std::strerror(-rc)));
    }
    r.registered[i] = true;
  }
  r.p = std::move(p);
  r.installed = true;
  return {};
}

void unregister_telemetry() {
  Registry& r = registry();
  TelemetryProviders old;
  {
    std::lock_guard lock(r.mu);
    old = std::move(r.p);
    r.p = {};
    r.installed = false;
  }
  // `old` (and what its functions captured) is destroyed here, outside the lock.
}

}  // namespace simd
