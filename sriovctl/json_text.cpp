#include "sriovctl/json_text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sriovctl {
namespace {

bool all_scalars(const nlohmann::json& a) {
  return std::all_of(a.begin(), a.end(), [](const nlohmann::json& e) { return e.is_primitive(); });
}

void append_pad(std::string& out, int indent) { out.append(static_cast<size_t>(indent), ' '); }

void append_object(std::string& out, const nlohmann::json& j, int indent, int depth,
                   std::initializer_list<std::string_view> first_keys);

// Appends rather than returns: a string returned per level would be copied once per level
// above it, quadratic in the depth.
void append_member(std::string& out, std::string_view key, const nlohmann::json& v, int indent,
                   int depth) {
  append_pad(out, indent);
  out += printable_text(key);
  out += ':';
  if (v.is_object() && depth < kMaxTextDepth) {
    out += '\n';
    append_object(out, v, indent + 2, depth + 1, {});
    return;
  }
  out += ' ';
  if (v.is_array() && all_scalars(v)) {
    bool first = true;
    for (const nlohmann::json& e : v) {
      if (!first) out += ", ";
      out += scalar_text(e);
      first = false;
    }
  } else if (v.is_primitive()) {
    out += scalar_text(v);
  } else {
    out += compact_json(v);
  }
  out += '\n';
}

void append_object(std::string& out, const nlohmann::json& j, int indent, int depth,
                   std::initializer_list<std::string_view> first_keys) {
  for (std::string_view k : first_keys) {
    const auto it = j.find(std::string(k));
    if (it != j.end()) append_member(out, k, *it, indent, depth);
  }
  for (const auto& [k, v] : j.items()) {
    if (std::find(first_keys.begin(), first_keys.end(), k) != first_keys.end()) continue;
    append_member(out, k, v, indent, depth);
  }
}

}  // namespace

std::string printable_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto ch = static_cast<unsigned char>(c);
    if (ch >= 0x20 && ch < 0x7F && ch != '\\') {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", ch);
    }
  }
  return out;
}

std::string compact_json(const nlohmann::json& j) {
  // ensure_ascii: control characters and everything past ASCII come out as \u escapes.
  return j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

std::string scalar_text(const nlohmann::json& j) {
  if (j.is_null()) return "-";
  if (j.is_string()) return printable_text(j.get_ref<const std::string&>());
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  return compact_json(j);
}

std::string json_to_text(const nlohmann::json& j, int indent,
                         std::initializer_list<std::string_view> first_keys) {
  std::string out;
  if (!j.is_object()) {
    append_pad(out, indent);
    out += j.is_primitive() ? scalar_text(j) : compact_json(j);
    out += '\n';
    return out;
  }
  append_object(out, j, indent, 0, first_keys);
  return out;
}

}  // namespace sriovctl
