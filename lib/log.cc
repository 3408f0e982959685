#include "netsctp/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>
#include <utility>

namespace netsctp {
namespace {

spdlog::level::level_enum ToSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return spdlog::level::trace;
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
    case LogLevel::kOff: break;
  }
  return spdlog::level::off;
}

// spdlog's "critical" (which netsctp never writes) reads as kError.
LogLevel FromSpdlog(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return LogLevel::kTrace;
    case spdlog::level::debug: return LogLevel::kDebug;
    case spdlog::level::info: return LogLevel::kInfo;
    case spdlog::level::warn: return LogLevel::kWarn;
    case spdlog::level::err:
    case spdlog::level::critical: return LogLevel::kError;
    default: return LogLevel::kOff;
  }
}

// base_sink's mutex serializes the handler's calls.
class HandlerSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit HandlerSink(LogHandler handler) : handler_(std::move(handler)) {}

 private:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    handler_(FromSpdlog(msg.level), std::string_view(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}

  LogHandler handler_;
};

std::shared_ptr<spdlog::logger> MakeLogger(spdlog::sink_ptr sink, spdlog::level::level_enum level) {
  auto logger = std::make_shared<spdlog::logger>("netsctp", std::move(sink));
  logger->set_level(level);
  return logger;
}

spdlog::sink_ptr StderrSink() { return std::make_shared<spdlog::sinks::stderr_color_sink_mt>(); }

spdlog::level::level_enum EnvLevel() {
  const char* level = std::getenv("NETSCTP_LOG");
  return level != nullptr ? spdlog::level::from_str(level) : spdlog::level::info;
}

std::mutex& Mutex() {
  static std::mutex m;
  return m;
}

std::shared_ptr<spdlog::logger>& Slot() {
  static std::shared_ptr<spdlog::logger> logger = MakeLogger(StderrSink(), EnvLevel());
  return logger;
}

}  // namespace

void SetLogHandler(LogHandler handler) {
  std::lock_guard lock(Mutex());
  const auto level = Slot()->level();
  Slot() = MakeLogger(handler ? std::make_shared<HandlerSink>(std::move(handler)) : StderrSink(), level);
}

void SetLogLevel(LogLevel level) {
  std::lock_guard lock(Mutex());
  Slot()->set_level(ToSpdlog(level));
}

LogLevel GetLogLevel() {
  std::lock_guard lock(Mutex());
  return FromSpdlog(Slot()->level());
}

std::shared_ptr<spdlog::logger> Logger() {
  std::lock_guard lock(Mutex());
  return Slot();
}

void SetLogger(std::shared_ptr<spdlog::logger> logger) {
  std::lock_guard lock(Mutex());
  Slot() = logger ? std::move(logger) : MakeLogger(StderrSink(), EnvLevel());
}

}  // namespace netsctp
