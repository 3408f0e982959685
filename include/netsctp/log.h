// netsctp/log.h: where netsctp's log lines go, and how many there are.
//
// netsctp logs lifecycle events only (listen, accept, connect, close,
// notifications decoded) at debug/trace level, never payloads and never an
// error it also returns. By default it writes to standard error at level
// kInfo (so it is silent), or at the level named by the environment variable
// NETSCTP_LOG (trace, debug, info, warn, error, off).
//
// Two ways to take the lines over:
//   - SetLogHandler: a plain callback, needing nothing but this header. This
//     is the stable contract: it works whatever spdlog netsctp was built with.
//   - SetLogger: an spdlog logger of the application's own. spdlog is netsctp's
//     back end, and this works only when the application uses the same spdlog
//     build (headers and library) as netsctp, e.g. both Debian's libspdlog.
// Thread safety: every call here is safe from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

namespace spdlog {
class logger;
}

namespace netsctp {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// Receives each log line at or above the current level, without a trailing
// newline. Calls are serialized (never two at once), made on the thread that
// logs; the handler must not throw or call back into this header.
using LogHandler = std::function<void(LogLevel level, std::string_view message)>;

// Sends netsctp's log lines to handler instead of standard error, at the
// current level; null returns to standard error (the level stays).
void SetLogHandler(LogHandler handler);

// Sets the level of whatever receives the lines (handler, spdlog logger or the
// default); kOff silences netsctp entirely.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();

// The spdlog logger netsctp writes to (see above for when to use these).
std::shared_ptr<spdlog::logger> Logger();
// Replaces the library logger; null restores the default one (standard
// error, level from NETSCTP_LOG).
void SetLogger(std::shared_ptr<spdlog::logger> logger);

}  // namespace netsctp
