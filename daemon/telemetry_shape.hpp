#pragma once
// JSON in the shapes DPDK 22.11's telemetry library can carry (rte_tel_data): the pure half of
// daemon/telemetry.hpp, apart so the rules are tested without an EAL. docs/telemetry.md lists
// the rules with examples; in short:
//   - the top level is a dict, an array or one string;
//   - a dict holds strings (up to 127 bytes), signed 32-bit ints, unsigned 64-bit ints, arrays
//     of one scalar type, and (in a top-level dict only) dicts: one level of nested dicts;
//     deeper objects are flattened into that dict with '/' keys ("mailbox/acks");
//   - a top-level array is of one scalar type, or of such arrays; an array holding objects
//     becomes a dict keyed by index ("0", "1", ...);
//   - booleans become 0/1, floats and out-of-range integers their JSON text, null "null";
//   - keys keep [A-Za-z0-9_/] (DPDK refuses other characters); anything else becomes '_'.

#include <cstddef>
#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace simd {

/// DPDK 22.11's limits (rte_telemetry.h, and telemetry.c's reply buffer).
inline constexpr size_t kTelMaxDictEntries = 256;
inline constexpr size_t kTelMaxArrayEntries = 512;
/// Longest string in a dict or array, and longest key (RTE_TEL_MAX_STRING_LEN without the NUL).
inline constexpr size_t kTelMaxString = 127;
/// Longest top-level string (RTE_TEL_MAX_SINGLE_STRING_LEN without the NUL).
inline constexpr size_t kTelMaxSingleString = 8191;
/// The reply buffer: the greeting's "max_output_len". A reply that does not fit loses entries
/// silently in DPDK, so telemetry_reply_bytes() is checked before anything is written.
inline constexpr size_t kTelMaxReply = 16384;

/// `v` reshaped as the client will see it (byte for byte, but for DPDK's spacing), following
/// the rules above. Object keys come out in nlohmann's (sorted) order, as DPDK writes them.
/// Errors (one line): a dict over kTelMaxDictEntries entries, an array over
/// kTelMaxArrayEntries, two keys that become one after sanitising or flattening. Strings over
/// the limit are cut at a UTF-8 character boundary, as DPDK would cut them (at a byte). Never
/// throws for valid JSON values (strings must be valid UTF-8, as nlohmann requires to dump).
std::expected<nlohmann::json, std::string> shape_for_telemetry(const nlohmann::json& v);

/// The length of DPDK's reply `{"<cmd>":<shaped>}` (compact JSON, as DPDK writes it) for a
/// `shaped` value from shape_for_telemetry(). Exact, but for strings with control characters
/// other than the common ones (nlohmann writes \u00XX; DPDK may write fewer bytes).
size_t telemetry_reply_bytes(std::string_view cmd, const nlohmann::json& shaped);

/// The VF number in a "/sriovkit/vf,N" parameter: decimal digits only (no sign, space or
/// trailing text), below `limit`. nullopt for anything else, empty or absent included.
std::optional<unsigned> parse_vf_param(const char* params, unsigned limit);

}  // namespace simd
