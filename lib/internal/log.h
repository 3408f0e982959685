// Library-internal logging: formats only when the level is enabled.
#pragma once

#include <spdlog/spdlog.h>

#include "netsctp/log.h"

namespace netsctp::internal {

template <typename... Args>
void LogDebug(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  auto logger = Logger();
  if (logger->should_log(spdlog::level::debug)) logger->debug(fmt, std::forward<Args>(args)...);
}

}  // namespace netsctp::internal
