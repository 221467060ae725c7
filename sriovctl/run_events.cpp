// `events [dev PF] [-f]`: a daemon's event log ("events" op), from one daemon or from all of
// them; -f asks again every 200 ms for what came since, until SIGINT. A kernel PF's events are
// in the kernel log, which sriovctl does not parse.

#include <fmt/format.h>

#include <cerrno>
#include <chrono>

#include "ctl/client.hpp"
#include "sriovctl/json_text.hpp"
#include "sriovctl/run.hpp"
#include "sriovctl/run_common.hpp"

namespace sriovctl {
namespace {

constexpr std::chrono::milliseconds kFollowInterval{200};
constexpr uint64_t kBatch = 1000;  // the op's default "max"

struct Source {
  std::string label;
  TransportPtr transport;
  uint64_t since = 0;
  uint64_t dropped = 0;
};

uint64_t number_or(const nlohmann::json& j, const char* key, uint64_t fallback) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : fallback;
}

std::string field(const nlohmann::json& ev, const char* key) {
  const auto it = ev.find(key);
  return it == ev.end() ? std::string("-") : scalar_text(*it);
}

// "WALL SEQ VF CODE NAME: REASON", VF "-" for an event about the PF itself. Every field goes
// through scalar_text, which escapes what a terminal would act on.
std::string event_line(const nlohmann::json& ev) {
  return fmt::format("{} {} {} {} {}: {}", field(ev, "wall"), field(ev, "seq"), field(ev, "vf"),
                     field(ev, "code"), field(ev, "name"), field(ev, "reason"));
}

struct Polled {
  size_t count = 0;       ///< events in the reply
  bool advanced = false;  ///< its "next" is past the "since" asked for
};

// One "events" request; prints (or, for -j, collects) what came. Returns how many came, or
// the error.
std::expected<Polled, rtnl::Error> poll_source(Source& s, bool prefix, nlohmann::json* json_out,
                                               Env& env) {
  auto r = ctl::request(*s.transport, ctl::kOpEvents, {{"since", s.since}, {"max", kBatch}});
  if (!r) return std::unexpected(r.error());
  const nlohmann::json empty = nlohmann::json::array();
  const auto it = r->find("events");
  const nlohmann::json& events = it != r->end() && it->is_array() ? *it : empty;
  size_t skipped = 0;
  for (const nlohmann::json& ev : events) {
    // An event is an object; anything else has no fields to show (and find() on it throws).
    if (!ev.is_object()) {
      ++skipped;
      continue;
    }
    if (json_out != nullptr) {
      nlohmann::json copy = ev;
      copy["pf"] = s.label;
      json_out->push_back(std::move(copy));
    } else {
      env.out << (prefix ? fmt::format("{}: ", s.label) : std::string()) << event_line(ev) << '\n';
    }
  }
  env.out.flush();
  if (skipped != 0) {
    fail(env, s.label,
         fmt::format("events: skipped {} entr{} that {} not an object", skipped,
                     skipped == 1 ? "y" : "ies", skipped == 1 ? "is" : "are"));
  }
  const uint64_t dropped = number_or(*r, "dropped", 0);
  if (dropped > s.dropped) {
    fail(env, s.label, fmt::format("{} event(s) lost to the log's bound", dropped - s.dropped));
    s.dropped = dropped;
  }
  const uint64_t next = number_or(*r, "next", s.since);
  // A "next" that does not move on would have -f ask for the same batch at once, forever.
  const bool advanced = next > s.since;
  s.since = next;
  return Polled{events.size(), advanced};
}

// Polls every source once; a source that fails is reported and dropped.
int poll_all(std::vector<Source>& sources, bool prefix, nlohmann::json* json_out, Env& env,
             bool& more) {
  int rc = kExitOk;
  more = false;
  for (auto it = sources.begin(); it != sources.end();) {
    auto n = poll_source(*it, prefix, json_out, env);
    if (!n) {
      rc = fail(env, it->label, fmt::format("events: {}", reason_of(n.error())));
      it = sources.erase(it);
      continue;
    }
    // A full batch: more are waiting, ask again at once.
    more = more || (n->count >= kBatch && n->advanced);
    ++it;
  }
  return rc;
}

std::expected<std::vector<Source>, int> open_sources(const EventsCmd& cmd, Env& env) {
  std::vector<Source> sources;
  if (cmd.dev) {
    auto pf = open_pf(*cmd.dev, env);
    if (!pf) return std::unexpected(pf.error());
    if (pf->target.kind == PfKind::kKernel) {
      return std::unexpected(
          fail(env, pf->target.label(),
               fmt::format("events: not available for kernel PF {} (see the kernel log: dmesg)",
                           pf->target.name)));
    }
    sources.push_back(Source{pf->target.label(), std::move(pf->transport)});
    return sources;
  }
  const std::vector<std::string> names = env.list_daemons();
  if (names.empty()) {
    env.err << fmt::format("sriovctl: events: no sriov-sim daemon is running in {}\n",
                           env.runtime_dir);
    return std::unexpected(kExitFailed);
  }
  for (const std::string& name : names) {
    auto t = env.connect_daemon(name);
    if (!t) {
      fail(env, daemon_label(name), fmt::format("skipped: {}", t.error().to_string()));
      continue;
    }
    sources.push_back(Source{daemon_label(name), std::move(*t)});
  }
  // Each unreachable daemon has had its line above; with none left there is nothing to read.
  if (sources.empty()) return std::unexpected(kExitFailed);
  return sources;
}

}  // namespace

int run_events(const EventsCmd& cmd, const GlobalOptions& o, Env& env) {
  auto opened = open_sources(cmd, env);
  if (!opened) return opened.error();
  std::vector<Source>& sources = *opened;
  const bool prefix = !cmd.dev;
  nlohmann::json collected = nlohmann::json::array();
  nlohmann::json* json_out = o.json ? &collected : nullptr;
  bool more = false;
  int rc = poll_all(sources, prefix, json_out, env, more);
  if (o.json) print_json(env, collected, o.pretty);
  if (!cmd.follow) return rc;
  while (!sources.empty() && !env.interrupted()) {
    if (!more) env.sleep(kFollowInterval);
    if (env.interrupted()) break;
    poll_all(sources, prefix, nullptr, env, more);  // failures are reported and dropped
  }
  // Following ends normally at SIGINT; when every daemon went away (or none was there), it
  // failed.
  return sources.empty() ? kExitFailed : kExitOk;
}

}  // namespace sriovctl
