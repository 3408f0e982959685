// sctpcat/options.h: sctpcat's command line: the options, their parsing,
// the exit codes and the names the user may type (PPIDs, event types).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "netsctp/event.h"
#include "netsctp/info.h"

namespace sctpcat {

// What the process tells its caller; docs/man/sctpcat.1 lists the same.
enum ExitCode : int {
  kExitOk = 0,        // input sent, association ended normally (or -c reached)
  kExitFailed = 1,    // a message was refused or could not be read; bad input record
  kExitUsage = 2,     // bad option or address syntax
  kExitConnect = 3,   // could not associate or listen (refused, timed out, bind failed)
  kExitLost = 4,      // the association ended abnormally (ABORT, COMM_LOST)
  kExitIdle = 5,      // --idle-timeout passed with nothing sent or received
};

// How payload bytes are read from standard input and printed.
enum class Format { kText, kHex, kBinary };

struct Options {
  bool listen = false;
  bool many = false;       // -m: one-to-many endpoint
  bool keep_open = false;  // -k: accept one association after another
  bool echo = false;
  std::string network = "sctp";
  std::string address;
  std::optional<std::string> local;

  // Fixed send parameters (records may override them per message).
  std::uint16_t sid = 0;
  std::uint32_t ppid = 0;
  bool unordered = false;
  std::optional<netsctp::PrInfo> pr;

  std::uint16_t out_streams = 10;
  std::uint16_t in_streams = 10;

  long count = -1;     // exit after this many data messages received
  int timeout_s = 10;  // dial timeout; with -m, the longest one write may block
  int idle_s = 0;      // --idle-timeout; 0: none

  Format format = Format::kText;
  bool records = false;
  bool json = false;
  bool timestamps = false;
  bool quiet = false;  // -q: data is counted, not printed
  std::vector<std::string> files;

  long load_count = -1;      // --load COUNT
  std::size_t load_size = 100;
  double load_rate = 0;      // messages per second; 0: as fast as possible

  std::vector<netsctp::EventType> events;  // printed (and subscribed)

  std::optional<std::uint32_t> rto_min, rto_max, rto_initial, hb_interval;
};

// Parses argv; on a usage error prints why and exits with kExitUsage; --help
// and --version print and exit 0.
Options Parse(int argc, char** argv);

// "ngap" -> 60; a number in range -> itself; nullopt otherwise.
std::optional<std::uint32_t> ParsePpid(std::string_view text);
// 60 -> "ngap"; "" when the number has no name here.
std::string_view PpidName(std::uint32_t ppid);
// "ttl:100", "rtx:3", "prio:1", "none" -> the policy; nullopt otherwise.
std::optional<netsctp::PrInfo> ParsePr(std::string_view text);
// "default", "all", "none" or a comma list of names ("assoc,peer,shutdown",
// or the uapi names "ASSOC_CHANGE", ...). Empty error string on success.
std::string ParseEvents(std::string_view text, std::vector<netsctp::EventType>& out);
// The default set: association and peer address changes, shutdown, send
// failures, remote errors.
std::span<const netsctp::EventType> DefaultEvents();

}  // namespace sctpcat
