// netsctp/bytes.h: any contiguous range of bytes as the
// std::span<const std::byte> that sends take.
//
// The sends (SctpConn::Write, WriteMsg) also accept a ByteRange or a
// std::string_view directly, so a caller writes conn.WriteMsg(text, info)
// rather than converting by hand.
#pragma once

#include <cstddef>
#include <ranges>
#include <span>
#include <string_view>
#include <type_traits>

namespace netsctp {

// A contiguous, sized range of one-byte trivially copyable elements:
// std::string, std::string_view, std::vector<char>, std::vector<std::uint8_t>,
// std::array<std::byte, N>, spans of those. Built-in arrays are left out: a
// string literal, as a char array, would carry its terminating NUL; it
// converts to std::string_view instead, without the NUL.
template <typename R>
concept ByteRange = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
                    sizeof(std::ranges::range_value_t<R>) == 1 &&
                    std::is_trivially_copyable_v<std::ranges::range_value_t<R>> &&
                    !std::is_array_v<std::remove_cvref_t<R>>;

// The bytes of r, viewed (not copied).
template <ByteRange R>
std::span<const std::byte> AsBytes(const R& r) noexcept {
  return std::as_bytes(std::span(std::ranges::data(r), std::ranges::size(r)));
}
inline std::span<const std::byte> AsBytes(std::string_view text) noexcept {
  return std::as_bytes(std::span(text.data(), text.size()));
}

// Bytes as text, viewed (not copied).
inline std::string_view AsText(std::span<const std::byte> bytes) noexcept {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace netsctp
