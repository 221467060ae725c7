#include "daemon/telemetry_shape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>

namespace simd {

namespace {

using json = nlohmann::json;
using Done = std::expected<void, std::string>;

bool is_scalar(const json& v) { return !v.is_object() && !v.is_array(); }

bool all_scalar(const json& arr) {
  for (const json& e : arr) {
    if (!is_scalar(e)) return false;
  }
  return true;
}

/// `s` cut to at most `max` bytes without splitting a UTF-8 sequence: DPDK cuts at a byte,
/// which could leave half a character for the client's JSON parser.
std::string cut_utf8(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    --n;  // s[n]: first byte dropped
  s.resize(n);
  return s;
}

/// A scalar as a string, for string arrays and the top level.
std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_number()) return v.dump();
  return "null";
}

/// A scalar as a dict value: u64 where it fits, int32 for small negatives, else text.
json scalar_value(const json& v) {
  switch (v.type()) {
    case json::value_t::boolean:
      return uint64_t{v.get<bool>()};
    case json::value_t::number_unsigned:
      return v.get<uint64_t>();
    case json::value_t::number_integer: {
      const auto i = v.get<int64_t>();
      if (i >= 0) return static_cast<uint64_t>(i);
      if (i >= std::numeric_limits<int32_t>::min()) return i;
      return std::to_string(i);
    }
    case json::value_t::string:
      return cut_utf8(v.get<std::string>(), kTelMaxString);
    default:
      return cut_utf8(scalar_text(v), kTelMaxString);
  }
}

/// One typed array from scalars: u64 if every element fits, else int32, else strings.
json scalar_array(const json& arr) {
  bool as_u64 = true, as_int = true;
  for (const json& e : arr) {
    if (e.is_boolean() || e.is_number_unsigned() ||
        (e.is_number_integer() && e.get<int64_t>() >= 0)) {
      const auto u = e.is_boolean() ? uint64_t{e.get<bool>()} : e.get<uint64_t>();
      as_int = as_int && u <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max());
    } else if (e.is_number_integer()) {
      as_u64 = false;
      as_int = as_int && e.get<int64_t>() >= std::numeric_limits<int32_t>::min();
    } else {
      as_u64 = as_int = false;
    }
  }
  json out = json::array();
  for (const json& e : arr) {
    if (as_u64) {
      out.push_back(e.is_boolean() ? uint64_t{e.get<bool>()} : e.get<uint64_t>());
    } else if (as_int) {
      out.push_back(e.is_boolean() ? int64_t{e.get<bool>()} : e.get<int64_t>());
    } else {
      out.push_back(cut_utf8(scalar_text(e), kTelMaxString));
    }
  }
  return out;
}

/// DPDK accepts only [A-Za-z0-9_/] in a name.
std::string sanitise_key(std::string_view k) {
  std::string s(k);
  for (char& c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '/';
    if (!ok) c = '_';
  }
  return s;
}

Done check_array_size(const json& arr) {
  if (arr.size() > kTelMaxArrayEntries) {
    return std::unexpected(fmt::format("an array of {} entries (DPDK's limit is {})", arr.size(),
                                       kTelMaxArrayEntries));
  }
  return {};
}

/// Adds `v`'s entries (an object, or an array taken as an object keyed by index) to the dict
/// `out` under `prefix`. `nested`: `out` is itself inside a dict, so objects flatten into it.
Done fill_dict(json& out, const json& v, const std::string& prefix, bool nested) {
  auto add = [&out](const std::string& full, json val) -> Done {
    const std::string name = full.substr(0, kTelMaxString);
    if (out.contains(name))
      return std::unexpected(fmt::format("two keys become '{}' in telemetry", name));
    if (out.size() == kTelMaxDictEntries) {
      return std::unexpected(
          fmt::format("a dict of more than {} entries (DPDK's limit)", kTelMaxDictEntries));
    }
    out[name] = std::move(val);
    return {};
  };
  auto one = [&](std::string_view key, const json& e) -> Done {
    const std::string name = prefix + sanitise_key(key);
    if (is_scalar(e)) return add(name, scalar_value(e));
    if (e.is_array() && all_scalar(e)) {
      if (auto r = check_array_size(e); !r) return r;
      return add(name, scalar_array(e));
    }
    if (!nested) {
      json child = json::object();
      if (auto r = fill_dict(child, e, "", true); !r) return r;
      return add(name, std::move(child));
    }
    if (e.empty()) return add(name, e.dump());  // "{}": flattening would make it vanish
    return fill_dict(out, e, name + "/", true);
  };
  if (v.is_object()) {
    for (const auto& [k, e] : v.items()) {
      if (auto r = one(k, e); !r) return r;
    }
  } else {
    for (size_t i = 0; i < v.size(); ++i) {
      if (auto r = one(std::to_string(i), v[i]); !r) return r;
    }
  }
  return {};
}

}  // namespace

std::expected<json, std::string> shape_for_telemetry(const json& v) {
  if (v.is_array()) {
    if (auto r = check_array_size(v); !r) return std::unexpected(r.error());
    if (all_scalar(v)) return scalar_array(v);
    const bool arrays_of_scalars = std::all_of(
        v.begin(), v.end(), [](const json& e) { return e.is_array() && all_scalar(e); });
    if (arrays_of_scalars) {
      json out = json::array();
      for (const json& e : v) {
        if (auto r = check_array_size(e); !r) return std::unexpected(r.error());
        out.push_back(scalar_array(e));
      }
      return out;
    }
  }
  if (v.is_object() || v.is_array()) {
    json out = json::object();
    if (auto r = fill_dict(out, v, "", false); !r) return std::unexpected(r.error());
    return out;
  }
  return cut_utf8(scalar_text(v), kTelMaxSingleString);
}

size_t telemetry_reply_bytes(std::string_view cmd, const json& shaped) {
  // DPDK writes compact JSON, as nlohmann's dump() does.
  return json{{std::string(cmd), shaped}}.dump().size();
}

std::optional<unsigned> parse_vf_param(const char* params, unsigned limit) {
  if (params == nullptr) return std::nullopt;
  const std::string_view s(params);
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v >= limit) return std::nullopt;
  return v;
}

}  // namespace simd
