#pragma once
// Reading a request's fields with the errors ctl/protocol.hpp promises: "an unknown op, a
// missing or mistyped field: EINVAL with a reason naming the field".

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace simd {

/// The unsigned integer `key` of `req`: `fallback` when it is absent (an error when there is
/// none: "field 'vf': missing"), an error when it is not an integer in 0..max ("field 'vf':
/// not an integer in 0..63").
std::expected<uint64_t, std::string> uint_field(const nlohmann::json& req, std::string_view key,
                                                std::optional<uint64_t> fallback = std::nullopt,
                                                uint64_t max = UINT64_MAX);
/// The string `key` of `req`. Errors: missing, not a string.
std::expected<std::string, std::string> string_field(const nlohmann::json& req,
                                                     std::string_view key);

}  // namespace simd
