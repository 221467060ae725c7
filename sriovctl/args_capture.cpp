// `capture dev PF (vf N | wire) -w FILE [-c COUNT] [-s SNAPLEN]`

#include <fmt/format.h>

#include <limits>

#include "sriovctl/args_parts.hpp"
#include "sriovctl/args_values.hpp"

namespace sriovctl {
namespace {

struct Seen {
  bool point = false;
  bool file = false;
  bool count = false;
  bool snaplen = false;
};

std::expected<void, UsageError> parse_capture_word(Cursor& c, std::string_view word,
                                                   CaptureCmd& cmd, Seen& seen) {
  const auto twice = [&] { return UsageError{"given twice", std::string(word)}; };
  if (word == "vf" || word == "wire") {
    if (seen.point) {
      return std::unexpected(
          UsageError{"one capture point only (vf N or wire)", std::string(word)});
    }
    seen.point = true;
    if (word == "wire") {
      cmd.point = CapturePoint::kWire;
      return {};
    }
    auto vf = expect_vf_index(c);
    if (!vf) return std::unexpected(vf.error());
    cmd.point = CapturePoint::kVf;
    cmd.vf = *vf;
    return {};
  }
  if (word == "-w") {
    if (seen.file) return std::unexpected(twice());
    if (c.done()) return std::unexpected(UsageError{"-w needs a file name ('-': stdout)", "-w"});
    const std::string_view file = c.next();
    if (file.empty()) return std::unexpected(UsageError{"-w needs a file name", ""});
    cmd.file = std::string(file);
    seen.file = true;
    return {};
  }
  if (word == "-c") {
    if (seen.count) return std::unexpected(twice());
    if (c.done()) return std::unexpected(UsageError{"-c needs a packet count", "-c"});
    const std::string_view text = c.next();
    auto n = parse_number(text, std::numeric_limits<uint64_t>::max());
    if (!n || *n == 0) {
      return std::unexpected(UsageError{"-c must be a packet count above 0", std::string(text)});
    }
    cmd.count = *n;
    seen.count = true;
    return {};
  }
  if (word == "-s") {
    if (seen.snaplen) return std::unexpected(twice());
    if (c.done()) return std::unexpected(UsageError{"-s needs a snap length", "-s"});
    const std::string_view text = c.next();
    auto n = parse_number(text, kMaxSnaplen);
    if (!n || *n == 0) {
      return std::unexpected(UsageError{fmt::format("-s must be a snap length 1..{}", kMaxSnaplen),
                                        std::string(text)});
    }
    cmd.snaplen = static_cast<uint32_t>(*n);
    seen.snaplen = true;
    return {};
  }
  return std::unexpected(UsageError{"unexpected argument", std::string(word)});
}

}  // namespace

std::expected<Action, UsageError> parse_capture(Cursor& c) {
  if (auto dev = expect_keyword(c, "dev"); !dev) return std::unexpected(dev.error());
  auto pf = expect_pf(c);
  if (!pf) return std::unexpected(pf.error());
  CaptureCmd cmd;
  cmd.dev = std::move(*pf);
  cmd.snaplen = kDefaultSnaplen;
  Seen seen;
  while (!c.done()) {
    const std::string_view word = c.next();
    if (auto ok = parse_capture_word(c, word, cmd, seen); !ok) return std::unexpected(ok.error());
  }
  // Both are checked once the whole line is read, so the error names the last token typed.
  if (!seen.point) {
    return std::unexpected(UsageError{"capture needs a point: vf N or wire", c.prev()});
  }
  if (!seen.file) return std::unexpected(UsageError{"capture needs -w FILE", c.prev()});
  return cmd;
}

}  // namespace sriovctl
