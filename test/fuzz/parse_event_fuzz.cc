// libFuzzer target: ParseEvent and ToString over arbitrary bytes.
//
// ParseEvent reads notifications that arrive from the kernel; a bug there must
// never turn into reading outside the buffer, so this throws anything at it
// under ASan and UBSan. Each successful parse is rendered, and every view it
// returns is checked to lie inside the input. Built by meson with
// -Dfuzz=true (clang only; tools/setup test does so with ASan and UBSan and
// runs it for 20 s as suite 'fuzz'); by hand: tools/fuzz parse_event [SECONDS].
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "netsctp/event.h"

namespace {

const std::byte* g_begin = nullptr;
const std::byte* g_end = nullptr;

void CheckInside(std::span<const std::byte> view) {
  if (view.empty()) return;
  if (view.data() < g_begin || view.data() + view.size() > g_end) std::abort();
}

void CheckViews(const netsctp::Event& ev) {
  std::visit(
      [](const auto& e) {
        using T = std::remove_cvref_t<decltype(e)>;
        if constexpr (std::is_same_v<T, netsctp::AssocChangeEvent>) {
          CheckInside(e.info);
          if (auto cause = e.AbortCause()) CheckInside(cause->info);
          (void)e.Supports(netsctp::AssocExtension::kAuth);
        } else if constexpr (std::is_same_v<T, netsctp::RemoteErrorEvent> ||
                             std::is_same_v<T, netsctp::SendFailedEvent> ||
                             std::is_same_v<T, netsctp::LegacySendFailedEvent>) {
          CheckInside(e.data);
        } else if constexpr (std::is_same_v<T, netsctp::StreamResetEvent>) {
          CheckInside(e.streams.bytes());
          std::uint32_t sum = 0;
          for (std::uint16_t sid : e.streams) sum += sid;
          (void)sum;
        }
      },
      ev);
}

void ParseOne(std::span<const std::byte> bytes) {
  g_begin = bytes.data();
  g_end = bytes.data() + bytes.size();
  netsctp::Result<netsctp::Event> r = netsctp::ParseEvent(bytes);
  if (r) {
    CheckViews(*r);
    const std::string line = netsctp::ToString(*r);
    if (line.empty()) std::abort();
    (void)netsctp::TypeOf(*r);
  } else {
    const bool known = r.error() == netsctp::Errc::kMalformed || r.error() == netsctp::Errc::kUnknownEventType;
    if (!known) std::abort();
    (void)r.error().message();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The input as it is: random headers, lengths and types.
  ParseOne(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));

  // The same bytes with a known type (picked by the first byte) and a length
  // field that matches, in an exact-size heap copy so ASan sees any overread:
  // this reaches every type's body without a seed corpus.
  if (size >= 8) {
    std::vector<std::byte> fixed(size);
    std::memcpy(fixed.data(), data, size);
    const auto type = static_cast<std::uint16_t>(netsctp::kAllEventTypes[data[0] % netsctp::kAllEventTypes.size()]);
    std::uint32_t length = static_cast<std::uint32_t>(size);
    if ((data[1] & 0x80) != 0) length -= static_cast<std::uint32_t>(data[1] & 0x7f);  // sometimes leave trailing bytes
    std::memcpy(fixed.data(), &type, sizeof type);
    std::memcpy(fixed.data() + 4, &length, sizeof length);
    ParseOne(fixed);
  }
  return 0;
}
