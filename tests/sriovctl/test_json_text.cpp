// json_to_text, the text form of a daemon's `vf show` reply: shape, depth bound, escaping.

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "sriovctl/json_text.hpp"

using sriovctl::json_to_text;
using sriovctl::kMaxTextDepth;
using sriovctl::printable_text;

namespace {

// {"k":{"k":...1...}} with `depth` objects.
nlohmann::json nested(int depth) {
  nlohmann::json j = 1;
  for (int i = 0; i < depth; ++i) j = nlohmann::json{{"k", std::move(j)}};
  return j;
}

size_t line_count(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace

TEST_CASE("json_to_text expands objects kMaxTextDepth levels down, then prints compact JSON",
          "[sriovctl][json_text]") {
  // The top object plus kMaxTextDepth nested ones expand: one "k:" line each, then the
  // object past the bound as one line.
  const std::string text = json_to_text(nested(kMaxTextDepth + 4), 0);
  CHECK(line_count(text) == static_cast<size_t>(kMaxTextDepth) + 1);
  const std::string last_pad(static_cast<size_t>(2 * kMaxTextDepth), ' ');
  CHECK(text.ends_with(last_pad + "k: {\"k\":{\"k\":{\"k\":1}}}\n"));
  // Exactly at the bound nothing is flattened.
  const std::string at_bound = json_to_text(nested(kMaxTextDepth + 1), 0);
  CHECK(at_bound.ends_with(last_pad + "k: 1\n"));
}

TEST_CASE("json_to_text stays linear on a deep reply", "[sriovctl][json_text]") {
  // 5000 levels took over 20 s when every level returned its text to be copied by the one
  // above; now the depth bound and a single output string keep it to one line per level kept.
  const std::string text = json_to_text(nested(5000), 2);
  CHECK(line_count(text) == static_cast<size_t>(kMaxTextDepth) + 1);
}

TEST_CASE("printable_text escapes control bytes, DEL, non-ASCII and backslashes",
          "[sriovctl][json_text]") {
  CHECK(printable_text("plain text: 1-2_3") == "plain text: 1-2_3");
  CHECK(printable_text("\x1b[2J\r\n\t\x7f") == "\\x1b[2J\\x0d\\x0a\\x09\\x7f");
  CHECK(printable_text("a\\b") == "a\\x5cb");
  CHECK(printable_text("caf\xc3\xa9") == "caf\\xc3\\xa9");
  CHECK(printable_text(std::string("nul\0byte", 8)) == "nul\\x00byte");
}
