#pragma once
// A JSON reply from a daemon shown as indented "key: value" lines, for the text output of
// `vf show`. Generic, so a field the daemon adds later shows without a change here. The reply
// comes from another process: every string is made safe for a terminal, and the output stays
// linear in the reply's size whatever its shape.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace sriovctl {

/// Objects nested deeper than this below the top print as one line of compact JSON.
inline constexpr int kMaxTextDepth = 16;

/// Objects become "key:" lines with their members indented two more spaces; scalars print
/// bare (strings without quotes, null as "-"); an array of scalars prints on one line, comma
/// separated; any other array, and an object more than kMaxTextDepth levels down, as compact
/// ASCII JSON. `first_keys` come first, in that order, then the rest as the object holds
/// them. Every line starts with `indent` spaces and ends '\n'. Keys and strings pass through
/// printable_text().
std::string json_to_text(const nlohmann::json& j, int indent,
                         std::initializer_list<std::string_view> first_keys = {});

/// A scalar as json_to_text shows it (strings through printable_text()).
std::string scalar_text(const nlohmann::json& j);

/// `text` with every byte that is not printable ASCII (control bytes, DEL, bytes of 0x80 and
/// above) and every backslash written as \xNN, so text from a daemon cannot move the cursor or
/// send escape sequences to the terminal.
std::string printable_text(std::string_view text);

/// `j` as one line of compact JSON, non-ASCII escaped (\uXXXX) and invalid UTF-8 replaced.
std::string compact_json(const nlohmann::json& j);

}  // namespace sriovctl
