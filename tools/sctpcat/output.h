// sctpcat/output.h: how sctpcat prints what it receives: one line per data
// message, event or summary, as text or JSON, with payloads as escaped text,
// hex, or raw bytes (--binary). Lines are written whole and flushed, so that
// scripts watching the output see each at once; calls from several threads
// do not interleave.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "netsctp/event.h"
#include "netsctp/info.h"
#include "options.h"

namespace sctpcat {

// What --load reports once it has sent everything.
struct LoadSummary {
  long messages = 0;
  std::uint64_t bytes = 0;
  std::chrono::duration<double> elapsed{};
};

class Printer {
 public:
  explicit Printer(const Options& o) : o_(o) {}

  // A data message; `assoc` is shown in text only in one-to-many mode.
  void Data(std::int32_t assoc, const netsctp::RcvInfo& info, std::span<const std::byte> data);
  void Event(const netsctp::Event& ev);
  void Summary(const LoadSummary& s);

 private:
  void Line(std::FILE* f, const std::string& text);
  std::string Stamp() const;  // "2026-01-02T03:04:05.678901Z"

  const Options& o_;
  std::mutex mu_;
};

// Payload as printable ASCII with everything else (and '\') as \xNN.
std::string Printable(std::span<const std::byte> bytes);
std::string Hex(std::span<const std::byte> bytes);
// A JSON string literal (quotes included); bytes >= 0x80 become \u00XX.
std::string JsonString(std::string_view s);

}  // namespace sctpcat
