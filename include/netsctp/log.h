// netsctp/log.h: the one logger netsctp writes to.
//
// netsctp logs lifecycle events only (listen, accept, connect, close,
// notifications decoded) at debug/trace level, never payloads and never an
// error it also returns. By default it writes to standard error at level
// "info" (i.e. silent), or at the level named by the environment variable
// NETSCTP_LOG (trace, debug, info, warn, error, off). Applications may install
// their own spdlog logger. Thread safety: both calls are safe from any thread.
#pragma once

#include <memory>

namespace spdlog {
class logger;
}

namespace netsctp {

std::shared_ptr<spdlog::logger> Logger();
// Replaces the library logger; null restores the default one.
void SetLogger(std::shared_ptr<spdlog::logger> logger);

}  // namespace netsctp
