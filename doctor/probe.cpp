#include "doctor/probe.hpp"

namespace doctor {

namespace {

constexpr size_t kListShown = 8;

}  // namespace

Probe::Probe(const Fs& fs, std::string name, std::string subject)
    : fs_(fs), name_(std::move(name)), subject_(std::move(subject)) {}

std::optional<std::string> Probe::line(std::string_view path) {
  auto v = fs_.read_line(path);
  note("{}: {}", path, v ? (v->empty() ? "(empty)" : *v) : "missing");
  return v;
}

std::optional<int64_t> Probe::integer(std::string_view path) {
  const auto text = fs_.read_line(path);
  const auto v = fs_.read_int(path);
  if (!text) {
    note("{}: missing", path);
  } else if (!v) {
    note("{}: {} (not a number)", path, *text);
  } else {
    note("{}: {}", path, *text);
  }
  return v;
}

std::vector<std::string> Probe::list(std::string_view path) {
  auto names = fs_.list(path);
  if (names.empty()) {
    note("{}: empty or missing", path);
  } else {
    std::string shown;
    for (size_t i = 0; i < names.size() && i < kListShown; ++i) shown += (i ? " " : "") + names[i];
    if (names.size() > kListShown) shown += fmt::format(" ... ({} entries)", names.size());
    note("{}: {}", path, shown);
  }
  return names;
}

std::optional<std::string> Probe::link(std::string_view path) {
  auto v = fs_.link_name(path);
  note("{}: {}", path, v ? "-> " + *v : std::string("no link"));
  return v;
}

bool Probe::exists(std::string_view path) {
  const bool e = fs_.exists(path);
  note("{}: {}", path, e ? "present" : "missing");
  return e;
}

Check Probe::pass(std::string finding) && {
  return std::move(*this).conclude(Status::kPass, std::move(finding), "");
}

Check Probe::warn(std::string finding, std::string fix) && {
  return std::move(*this).conclude(Status::kWarn, std::move(finding), std::move(fix));
}

Check Probe::fail(std::string finding, std::string fix) && {
  return std::move(*this).conclude(Status::kFail, std::move(finding), std::move(fix));
}

Check Probe::conclude(Status status, std::string finding, std::string fix) && {
  return Check{std::move(name_),
               std::move(subject_),
               status,
               std::move(finding),
               std::move(evidence_),
               status == Status::kPass ? std::string() : std::move(fix)};
}

std::string join_words(const std::vector<std::string>& words, std::string_view last_sep) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += (i + 1 == words.size()) ? std::string(last_sep) : std::string(", ");
    out += words[i];
  }
  return out;
}

}  // namespace doctor
