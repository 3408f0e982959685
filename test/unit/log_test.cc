// The logging contract an application relies on without spdlog: a handler
// receives netsctp's lines with their level, the level filters them, and
// removing the handler stops the calls.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "internal/log.h"
#include "netsctp/log.h"

namespace {

using netsctp::LogLevel;

struct Captured {
  std::vector<std::pair<LogLevel, std::string>> lines;
  netsctp::LogHandler Handler() {
    return [this](LogLevel level, std::string_view text) { lines.emplace_back(level, std::string(text)); };
  }
};

struct Restore {
  LogLevel level = netsctp::GetLogLevel();
  ~Restore() {
    netsctp::SetLogHandler(nullptr);
    netsctp::SetLogLevel(level);
  }
};

}  // namespace

TEST_CASE("a log handler receives each line with its level, as formatted text") {
  Restore restore;
  Captured got;
  netsctp::SetLogHandler(got.Handler());
  netsctp::SetLogLevel(LogLevel::kDebug);
  netsctp::internal::LogDebug("listen sctp {} backlog {}", "127.0.0.1:36412", 128);
  REQUIRE(got.lines.size() == 1);
  CHECK(got.lines[0].first == LogLevel::kDebug);
  CHECK(got.lines[0].second == "listen sctp 127.0.0.1:36412 backlog 128");
}

TEST_CASE("the log level filters lines before the handler sees them, and kOff silences all") {
  Restore restore;
  Captured got;
  netsctp::SetLogHandler(got.Handler());
  netsctp::SetLogLevel(LogLevel::kInfo);
  CHECK(netsctp::GetLogLevel() == LogLevel::kInfo);
  netsctp::internal::LogDebug("not shown");
  netsctp::SetLogLevel(LogLevel::kOff);
  netsctp::Logger()->error("not shown either");
  CHECK(got.lines.empty());
  netsctp::SetLogLevel(LogLevel::kTrace);
  netsctp::Logger()->trace("shown");
  REQUIRE(got.lines.size() == 1);
  CHECK(got.lines[0].first == LogLevel::kTrace);
}

TEST_CASE("installing a handler keeps the level; removing it stops the calls") {
  Restore restore;
  netsctp::SetLogLevel(LogLevel::kDebug);
  Captured got;
  netsctp::SetLogHandler(got.Handler());
  CHECK(netsctp::GetLogLevel() == LogLevel::kDebug);
  netsctp::SetLogHandler(nullptr);
  CHECK(netsctp::GetLogLevel() == LogLevel::kDebug);
  netsctp::internal::LogDebug("log_test: this line goes to standard error, not to the removed handler");
  CHECK(got.lines.empty());
}
