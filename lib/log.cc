#include "netsctp/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <mutex>

namespace netsctp {
namespace {

std::shared_ptr<spdlog::logger> MakeDefault() {
  auto logger = std::make_shared<spdlog::logger>("netsctp", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  const char* level = std::getenv("NETSCTP_LOG");
  logger->set_level(level != nullptr ? spdlog::level::from_str(level) : spdlog::level::info);
  return logger;
}

std::mutex& Mutex() {
  static std::mutex m;
  return m;
}

std::shared_ptr<spdlog::logger>& Slot() {
  static std::shared_ptr<spdlog::logger> logger = MakeDefault();
  return logger;
}

}  // namespace

std::shared_ptr<spdlog::logger> Logger() {
  std::lock_guard lock(Mutex());
  return Slot();
}

void SetLogger(std::shared_ptr<spdlog::logger> logger) {
  std::lock_guard lock(Mutex());
  Slot() = logger ? std::move(logger) : MakeDefault();
}

}  // namespace netsctp
