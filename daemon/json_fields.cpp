#include "daemon/json_fields.hpp"

#include <fmt/format.h>

namespace simd {

std::expected<uint64_t, std::string> uint_field(const nlohmann::json& req, std::string_view key,
                                                std::optional<uint64_t> fallback, uint64_t max) {
  const auto it = req.find(key);
  if (it == req.end()) {
    if (fallback) return *fallback;
    return std::unexpected(fmt::format("field '{}': missing", key));
  }
  const bool in_range =
      it->is_number_unsigned() || (it->is_number_integer() && it->get<int64_t>() >= 0);
  if (!in_range || it->get<uint64_t>() > max) {
    if (max == UINT64_MAX)
      return std::unexpected(fmt::format("field '{}': not an integer >= 0", key));
    return std::unexpected(fmt::format("field '{}': not an integer in 0..{}", key, max));
  }
  return it->get<uint64_t>();
}

std::expected<std::string, std::string> string_field(const nlohmann::json& req,
                                                     std::string_view key) {
  const auto it = req.find(key);
  if (it == req.end()) return std::unexpected(fmt::format("field '{}': missing", key));
  if (!it->is_string()) return std::unexpected(fmt::format("field '{}': not a string", key));
  return it->get<std::string>();
}

}  // namespace simd
