// Messages of the netsctp error category and the Error context plumbing.
#include "netsctp/error.h"

#include <cerrno>

namespace netsctp {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "netsctp"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::kEndOfStream: return "end of stream";
      case Errc::kMissingPort: return "missing port in address";
      case Errc::kTooManyColons: return "too many colons in address";
      case Errc::kMissingBracket: return "missing bracket in address";
      case Errc::kBadAddress: return "bad address";
      case Errc::kBadPort: return "bad port";
      case Errc::kUnknownNetwork: return "unknown network";
      case Errc::kNoSuitableAddress: return "no suitable address";
      case Errc::kMixedPorts: return "addresses with different ports";
      case Errc::kTruncated: return "buffer too small: data truncated";
      case Errc::kMessageTooLarge: return "message larger than the buffer bound";
      case Errc::kMessageAborted: return "message aborted part way through its delivery";
      case Errc::kMalformed: return "malformed data";
      case Errc::kUnknownEventType: return "unknown notification type";
      case Errc::kTimeout: return "i/o timeout";
      case Errc::kClosed: return "use of closed connection";
      case Errc::kCanceled: return "operation canceled";
      case Errc::kUnknownAssoc: return "no such association";
    }
    return "unknown netsctp error " + std::to_string(ev);
  }
  std::error_condition default_error_condition(int ev) const noexcept override {
    // Let portable code test timeouts and cancellation with std::errc.
    switch (static_cast<Errc>(ev)) {
      case Errc::kTimeout: return std::errc::timed_out;
      case Errc::kCanceled: return std::errc::operation_canceled;
      case Errc::kClosed: return std::errc::bad_file_descriptor;
      default: return {ev, *this};
    }
  }
};

}  // namespace

const std::error_category& ErrorCategory() noexcept {
  static const Category category;
  return category;
}

Error::Error(std::error_code code, std::string context)
    : code_(code),
      context_(context.empty() ? nullptr : std::make_shared<const std::string>(std::move(context))) {}

std::string_view Error::context() const noexcept {
  return context_ ? std::string_view(*context_) : std::string_view();
}

std::string Error::message() const {
  if (!context_) return code_.message();
  return *context_ + ": " + code_.message();
}

Error Error::WithContext(std::string_view outer) const {
  std::string ctx(outer);
  if (context_) {
    ctx += ": ";
    ctx += *context_;
  }
  return Error(code_, std::move(ctx));
}

Error SystemError(int err, std::string context) {
  return Error(std::error_code(err, std::system_category()), std::move(context));
}

}  // namespace netsctp
