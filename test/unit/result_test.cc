// Result<T> and Error: what callers rely on when they branch on failures.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "netsctp/result.h"

using netsctp::Errc;
using netsctp::Error;
using netsctp::Result;

TEST_CASE("Result holds a value or an error") {
  Result<int> ok = 7;
  REQUIRE(ok.has_value());
  REQUIRE(static_cast<bool>(ok));
  CHECK(*ok == 7);
  CHECK(ok.value() == 7);
  CHECK(ok.value_or(3) == 7);

  Result<int> bad = std::errc::connection_refused;
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error() == std::errc::connection_refused);
  CHECK(bad.value_or(3) == 3);
  CHECK_THROWS_AS(bad.value(), netsctp::Exception);
}

TEST_CASE("Result works with move-only values") {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  std::unique_ptr<int> p = std::move(r).value();
  CHECK(*p == 5);
}

TEST_CASE("Result<void> is success unless it holds an error") {
  Result<void> ok;
  CHECK(ok.has_value());
  Result<void> bad = Errc::kTimeout;
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error() == Errc::kTimeout);
  CHECK_THROWS_AS(bad.value(), netsctp::Exception);
}

TEST_CASE("library errors have clear messages and map to portable conditions") {
  Error e = Errc::kTooManyColons;
  CHECK(e.category().name() == std::string("netsctp"));
  CHECK(e.message() == "too many colons in address");
  // Portable code can test timeouts and cancellation with std::errc.
  CHECK(Error(Errc::kTimeout).code() == std::errc::timed_out);
  CHECK(Error(Errc::kCanceled).code() == std::errc::operation_canceled);
}

TEST_CASE("Error context names the operation and input") {
  Error e(make_error_code(Errc::kTooManyColons), "\"127.0.0.1::5\"");
  CHECK(e.context() == "\"127.0.0.1::5\"");
  CHECK(e.message() == "\"127.0.0.1::5\": too many colons in address");
  Error outer = e.WithContext("resolve sctp");
  CHECK(outer.message() == "resolve sctp: \"127.0.0.1::5\": too many colons in address");
  CHECK(outer == Errc::kTooManyColons);  // context never changes identity

  Error sys = netsctp::SystemError(ECONNREFUSED, "dial sctp 127.0.0.1:9");
  CHECK(sys == std::errc::connection_refused);
  CHECK(sys.category() == std::system_category());  // kernel errors keep their errno
  CHECK(sys.message().rfind("dial sctp 127.0.0.1:9: ", 0) == 0);
}

TEST_CASE("OrThrow returns the value or throws with the context") {
  Result<int> ok = 1;
  CHECK(netsctp::OrThrow(ok) == 1);
  Result<int> bad = Error(make_error_code(std::errc::timed_out), "read sctp [::1]:5");
  try {
    (void)netsctp::OrThrow(std::move(bad));
    FAIL("OrThrow did not throw");
  } catch (const netsctp::Exception& ex) {
    CHECK(ex.error() == std::errc::timed_out);
    CHECK(std::string(ex.what()).find("read sctp [::1]:5") != std::string::npos);
  }
}
