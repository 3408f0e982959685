// netsctp/error.h: the library's own error conditions and the Error value.
//
// Kernel failures keep their errno in std::system_category(); conditions the
// library itself detects (end of stream, parse errors, truncation, ...) use
// netsctp::ErrorCategory(). Both travel in an Error, which adds an optional
// human-readable context ("dial sctp 127.0.0.1:5", or the offending input)
// that is built only on error paths, so a successful call never allocates.
//
// Thread safety: Error is a value type; distinct objects are safe, a shared
// object is safe for concurrent reads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace netsctp {

// Conditions detected by netsctp itself (never an errno).
enum class Errc {
  kEndOfStream = 1,      // the peer shut the association down: no more data
  kMissingPort,          // address has no ":port"
  kTooManyColons,        // "127.0.0.1::5"
  kMissingBracket,       // "[::1:80" or "::1]:80"
  kBadAddress,           // a host that is neither an IP literal nor resolvable
  kBadPort,              // a port that is neither a number in range nor a service
  kUnknownNetwork,       // network other than sctp, sctp4, sctp6
  kNoSuitableAddress,    // e.g. sctp4 with an IPv6 address
  kMixedPorts,           // address list whose ports differ
  kTruncated,            // a buffer too small for what the kernel returned
  kMessageTooLarge,      // a message exceeded the caller's bound
  kMessageAborted,       // a message's delivery was aborted part way (PARTIAL_DELIVERY follows)
  kMalformed,            // bytes that do not form a valid structure
  kUnknownEventType,     // a notification type this library does not know
  kTimeout,              // a deadline passed
  kClosed,               // the object was closed while the call waited
  kCanceled,             // the caller's stop token fired
  kUnknownAssoc,         // an association id that the endpoint does not have (any more)
};

// The category of Errc values; name() is "netsctp".
const std::error_category& ErrorCategory() noexcept;

inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), ErrorCategory()};
}

// An error_code plus optional context. Comparable with error codes and
// conditions (err == std::errc::timed_out, err == Errc::kTimeout).
class Error {
 public:
  Error() = default;
  Error(std::error_code code) noexcept : code_(code) {}  // NOLINT: implicit on purpose
  Error(Errc e) noexcept : code_(make_error_code(e)) {}  // NOLINT: implicit on purpose
  Error(std::errc e) noexcept : code_(std::make_error_code(e)) {}  // NOLINT
  // `context` names the operation and its inputs, e.g. "dial sctp 10.0.0.1:36412".
  Error(std::error_code code, std::string context);

  const std::error_code& code() const noexcept { return code_; }
  int value() const noexcept { return code_.value(); }
  const std::error_category& category() const noexcept { return code_.category(); }
  // The context alone ("" when there is none).
  std::string_view context() const noexcept;
  // "context: reason", or just the reason when there is no context.
  std::string message() const;
  // A copy of this error with `outer` prepended to the context.
  Error WithContext(std::string_view outer) const;

  operator std::error_code() const noexcept { return code_; }  // NOLINT: implicit on purpose

  friend bool operator==(const Error& a, const Error& b) noexcept { return a.code_ == b.code_; }
  friend bool operator==(const Error& a, const std::error_code& b) noexcept { return a.code_ == b; }
  friend bool operator==(const Error& a, Errc b) noexcept { return a.code_ == make_error_code(b); }
  friend bool operator==(const Error& a, std::errc b) noexcept { return a.code_ == b; }

 private:
  std::error_code code_;
  std::shared_ptr<const std::string> context_;  // null unless an error path added one
};

// Builds an Error from errno (or `err`) with an optional context.
Error SystemError(int err, std::string context = {});

// The exception thrown by OrThrow(); what() is Error::message().
class Exception : public std::system_error {
 public:
  explicit Exception(const Error& e) : std::system_error(e.code(), std::string(e.context())), error_(e) {}
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
};

}  // namespace netsctp

template <>
struct std::is_error_code_enum<netsctp::Errc> : std::true_type {};
