// netsctp/result.h: Result<T>, a value or an Error, for every fallible call.
//
// Shaped like std::expected<T, Error> (has_value, value, error, operator*,
// operator->) so that it can become an alias once the project targets C++23.
// Results are [[nodiscard]]: ignoring one is almost always a bug.
//
//   netsctp::Result<netsctp::SctpConn> c = netsctp::Dial("sctp", "10.0.0.1:36412");
//   if (!c) { log(c.error().message()); return; }
//   c->WriteMsg(...);
//
// value() on an error throws netsctp::Exception; operator* and operator-> on an
// error are undefined, as with std::expected. OrThrow(r) returns the value or
// throws with the error's context.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "netsctp/error.h"

namespace netsctp {

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_reference_v<T>, "Result<T&> is not supported");
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Error>, "Result<Error> is ambiguous");

 public:
  using value_type = T;
  using error_type = Error;

  Result() requires std::is_default_constructible_v<T> : v_(std::in_place_index<0>) {}
  Result(const T& v) : v_(std::in_place_index<0>, v) {}             // NOLINT: implicit on purpose
  Result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}        // NOLINT: implicit on purpose
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}      // NOLINT: implicit on purpose
  Result(std::error_code e) : v_(std::in_place_index<1>, e) {}       // NOLINT: implicit on purpose
  Result(Errc e) : v_(std::in_place_index<1>, e) {}                  // NOLINT: implicit on purpose
  Result(std::errc e) : v_(std::in_place_index<1>, e) {}             // NOLINT: implicit on purpose
  template <typename... Args>
  explicit Result(std::in_place_t, Args&&... args)
      : v_(std::in_place_index<0>, std::forward<Args>(args)...) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { Check(); return *std::get_if<0>(&v_); }
  const T& value() const& { Check(); return *std::get_if<0>(&v_); }
  T&& value() && { Check(); return std::move(*std::get_if<0>(&v_)); }

  // Precondition: !has_value().
  const Error& error() const& noexcept { assert(!has_value()); return *std::get_if<1>(&v_); }
  Error&& error() && noexcept { assert(!has_value()); return std::move(*std::get_if<1>(&v_)); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? *std::get_if<0>(&v_) : static_cast<T>(std::forward<U>(fallback));
  }

  T& operator*() & noexcept { assert(has_value()); return *std::get_if<0>(&v_); }
  const T& operator*() const& noexcept { assert(has_value()); return *std::get_if<0>(&v_); }
  T&& operator*() && noexcept { assert(has_value()); return std::move(*std::get_if<0>(&v_)); }
  T* operator->() noexcept { assert(has_value()); return std::get_if<0>(&v_); }
  const T* operator->() const noexcept { assert(has_value()); return std::get_if<0>(&v_); }

 private:
  void Check() const {
    if (!has_value()) throw Exception(*std::get_if<1>(&v_));
  }
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;
  using error_type = Error;

  Result() noexcept = default;
  Result(Error e) : error_(std::move(e)) {}     // NOLINT: implicit on purpose
  Result(std::error_code e) : error_(e) {}      // NOLINT: implicit on purpose
  Result(Errc e) : error_(e) {}                 // NOLINT: implicit on purpose
  Result(std::errc e) : error_(e) {}            // NOLINT: implicit on purpose

  bool has_value() const noexcept { return !error_.code(); }
  explicit operator bool() const noexcept { return has_value(); }
  void value() const {
    if (!has_value()) throw Exception(error_);
  }
  const Error& error() const& noexcept { assert(!has_value()); return error_; }
  Error&& error() && noexcept { assert(!has_value()); return std::move(error_); }

 private:
  Error error_;  // a zero code means success
};

// Returns the value of `r`, or throws netsctp::Exception carrying its error.
template <typename T>
decltype(auto) OrThrow(Result<T>&& r) {
  if constexpr (std::is_void_v<T>) {
    r.value();
  } else {
    return std::move(r).value();
  }
}
template <typename T>
decltype(auto) OrThrow(Result<T>& r) {
  return r.value();
}

}  // namespace netsctp
