// sctpcat/input.h: what sctpcat sends, read from standard input (lines, hex
// lines, records, raw bytes), from files, or generated (--load). The parsing
// is pure (strings in, messages out) so that it can be reasoned about alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netsctp/info.h"
#include "options.h"

namespace sctpcat {

// One message to send: its bytes, how to send it, and (-m only) to which
// association; none means every live one.
struct OutUnit {
  std::vector<std::byte> data{};
  netsctp::SndInfo info{};
  std::optional<std::int32_t> assoc{};
};

// The fixed send parameters of the options.
netsctp::SndInfo FixedSndInfo(const Options& o);

// Hex digits to bytes; spaces, tabs and ':' between bytes are ignored, a
// leading "0x" too. Empty error string on success.
std::string DecodeHex(std::string_view text, std::vector<std::byte>& out);

// A --records line: "FIELDS | PAYLOAD" (one space after '|' belongs to the
// separator), FIELDS among sid=N ppid=P unordered ordered pr=POLICY assoc=ID.
// A line without '|' is all payload. The payload is hex when `hex`.
// Fields start from `unit.info` (the fixed options). Empty error string on success.
std::string ParseRecord(std::string_view line, bool hex, OutUnit& unit);

// Reads standard input, one unit at a time, as the options say.
class StdinSource {
 public:
  explicit StdinSource(const Options& o) : o_(o) {}
  // The next message; nullopt at end of input. A line that does not parse is
  // reported on stderr (naming its line number), skipped, and remembered in
  // had_error().
  std::optional<OutUnit> Next();
  bool had_error() const { return had_error_; }

 private:
  const Options& o_;
  long line_no_ = 0;
  bool had_error_ = false;
};

// The file's bytes; an error names the file.
std::string ReadFile(const std::string& path, std::vector<std::byte>& out);

}  // namespace sctpcat
