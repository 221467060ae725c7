// shape_for_telemetry(): the daemon's JSON fitted to what DPDK 22.11's telemetry carries, and
// the strict /sriovkit/vf parameter. No EAL needed.

#include <catch2/catch.hpp>
#include <string>

#include "daemon/telemetry_shape.hpp"

using nlohmann::json;
using simd::shape_for_telemetry;

namespace {

json shaped(const json& v) {
  auto r = shape_for_telemetry(v);
  INFO(v.dump());
  REQUIRE(r.has_value());
  return *r;
}

std::string error_of(const json& v) {
  auto r = shape_for_telemetry(v);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

}  // namespace

TEST_CASE("Telemetry shape: scalars map to u64, int32 or text, booleans to 0 and 1",
          "[telemetry]") {
  const json out = shaped({{"t", true},
                           {"f", false},
                           {"u", UINT64_MAX},
                           {"neg", -5},
                           {"very_neg", int64_t{-5'000'000'000}},
                           {"pos_signed", int64_t{7}},
                           {"ratio", 0.5},
                           {"none", nullptr},
                           {"s", "text"}});
  CHECK(out["t"] == 1u);
  CHECK(out["f"] == 0u);
  CHECK(out["u"].get<uint64_t>() == UINT64_MAX);
  CHECK(out["neg"].is_number_integer());
  CHECK(out["neg"].get<int64_t>() == -5);
  CHECK(out["very_neg"] == "-5000000000");
  CHECK(out["pos_signed"].is_number_unsigned());
  CHECK(out["ratio"] == "0.5");
  CHECK(out["none"] == "null");
  CHECK(out["s"] == "text");
}

TEST_CASE("Telemetry shape: one level of nested dicts, deeper objects flattened with '/'",
          "[telemetry]") {
  const json in = {
      {"vf", 3},
      {"stats", {{"rx_packets", 5}, {"mailbox", {{"acks", 2}, {"naks", {{"busy", 1}}}}}}},
      {"empty_top", json::object()},
      {"deep_empty", {{"x", json::object()}}}};
  const json want = {
      {"vf", 3u},
      {"stats", {{"rx_packets", 5u}, {"mailbox/acks", 2u}, {"mailbox/naks/busy", 1u}}},
      {"empty_top", json::object()},
      {"deep_empty", {{"x", "{}"}}}};
  CHECK(shaped(in) == want);
}

TEST_CASE("Telemetry shape: arrays take one scalar type, or become dicts keyed by index",
          "[telemetry]") {
  CHECK(shaped(json{1, 2, 3}) == json{1u, 2u, 3u});
  CHECK(shaped(json{true, false}) == json{1u, 0u});
  const json ints = shaped(json{1, -2});
  CHECK(ints == json{1, -2});
  CHECK(ints[0].is_number_integer());
  CHECK_FALSE(ints[0].is_number_unsigned());
  CHECK(shaped(json{1, "x", nullptr}) == json{"1", "x", "null"});
  CHECK(shaped(json{1, 5'000'000'000u, -1}) == json{"1", "5000000000", "-1"});
  CHECK(shaped(json::array()) == json::array());
  // Arrays of scalar arrays stay arrays (DPDK's array of containers).
  const json nested = json::array({json::array({1, 2}), json::array({"a"})});
  CHECK(shaped(nested) == json::array({json::array({1u, 2u}), json::array({"a"})}));
  // An array holding objects: a dict keyed by index, the objects one level down.
  const json events = json::array(
      {{{"code", "vf_reset"}, {"vf", 2}}, {{"code", "link"}, {"detail", {{"up", true}}}}});
  const json want = {{"0", {{"code", "vf_reset"}, {"vf", 2u}}},
                     {"1", {{"code", "link"}, {"detail/up", 1u}}}};
  CHECK(shaped(events) == want);
  // Inside a dict: an array of scalars stays an array, one of objects is keyed by index.
  const json in = {{"macs", json::array({"a", "b"})}, {"rules", json::array({json{{"id", 1}}})}};
  CHECK(shaped(in) == json{{"macs", json::array({"a", "b"})}, {"rules", json{{"0/id", 1u}}}});
}

TEST_CASE("Telemetry shape: a scalar at the top is one string", "[telemetry]") {
  CHECK(shaped(json(42)) == "42");
  CHECK(shaped(json(true)) == "1");
  CHECK(shaped(json("hello")) == "hello");
}

TEST_CASE("Telemetry shape: keys keep only the characters DPDK allows", "[telemetry]") {
  CHECK(shaped({{"mac.addr", 1}, {"a-b c", 2}, {"ok_/", 3}}) ==
        json{{"mac_addr", 1u}, {"a_b_c", 2u}, {"ok_/", 3u}});
  CHECK(error_of({{"a.b", 1}, {"a_b", 2}}).find("a_b") != std::string::npos);
  // Flattening can collide too.
  CHECK(error_of({{"s", {{"a/b", 1}, {"a", {{"b", 2}}}}}}).find("a/b") != std::string::npos);
}

TEST_CASE("Telemetry shape: long strings are cut at a UTF-8 character boundary", "[telemetry]") {
  std::string e_acute;
  for (int i = 0; i < 100; ++i) e_acute += "\xC3\xA9";  // 200 bytes
  const json out = shaped({{"s", e_acute}, {"k", std::string(300, 'x')}});
  CHECK(out["s"].get<std::string>().size() == 126);  // 63 whole characters, not 127 bytes
  CHECK(out["k"].get<std::string>().size() == simd::kTelMaxString);
  CHECK(shaped(json(std::string(9000, 'y'))).get<std::string>().size() ==
        simd::kTelMaxSingleString);
  CHECK_NOTHROW(out.dump());
}

TEST_CASE("Telemetry shape: more entries than DPDK holds is an error, not a silent cut",
          "[telemetry]") {
  json big = json::object();
  for (int i = 0; i < 257; ++i) big["k" + std::to_string(i)] = i;
  CHECK(error_of(big).find("256") != std::string::npos);
  big.erase("k0");
  CHECK(shape_for_telemetry(big).has_value());
  CHECK(error_of(json(std::vector<int>(513, 1))).find("512") != std::string::npos);
  CHECK(error_of({{"a", std::vector<int>(513, 1)}}).find("512") != std::string::npos);
  CHECK(shape_for_telemetry(json(std::vector<int>(512, 1))).has_value());
}

TEST_CASE("Telemetry shape: the reply size is DPDK's compact JSON", "[telemetry]") {
  CHECK(simd::telemetry_reply_bytes("/c", json{{"a", 1u}, {"b", {1u, 2u}}}) ==
        std::string(R"({"/c":{"a":1,"b":[1,2]}})").size());
  CHECK(simd::telemetry_reply_bytes("/c", json("x\"y")) == std::string(R"({"/c":"x\"y"})").size());
}

TEST_CASE("The /sriovkit/vf parameter is decimal digits below the limit, nothing else",
          "[telemetry]") {
  CHECK(simd::parse_vf_param("3", 64) == 3u);
  CHECK(simd::parse_vf_param("03", 64) == 3u);
  CHECK(simd::parse_vf_param("63", 64) == 63u);
  for (const char* bad :
       {"64", "", "-1", "+1", " 3", "3 ", "3x", "0x3", "3,4", "99999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(simd::parse_vf_param(bad, 64).has_value());
  }
  CHECK_FALSE(simd::parse_vf_param(nullptr, 64).has_value());
}
