// sctpcat/options.cc: parsing sctpcat's command line (getopt_long).
#include "options.h"

#include <getopt.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "netsctp/version.h"

namespace sctpcat {
namespace {

constexpr const char* kHelp =
    "usage: sctpcat [options] ADDRESS          dial ADDRESS (h1/h2:port), one association\n"
    "       sctpcat -l [options] ADDRESS       listen on ADDRESS, serve one association\n"
    "       sctpcat -l -k [options] ADDRESS    listen, serve associations one after another\n"
    "       sctpcat -l -m [options] ADDRESS    listen on a one-to-many socket, serve any\n"
    "                                          number of associations at once\n"
    "\n"
    "Connection:\n"
    "  -l, --listen             listen instead of dialing\n"
    "  -k, --keep-open          with -l: after an association ends, accept the next\n"
    "  -m, --many               with -l: one-to-many socket; data lines show assoc=ID and\n"
    "                           each input message goes to every live association\n"
    "  -n, --network NET        sctp (default), sctp4 or sctp6\n"
    "  -b, --local ADDR         local addresses to dial from (h1/h2:port)\n"
    "  -t, --timeout S          dial timeout in seconds; with -m, the longest one write\n"
    "                           may block (default 10; 0: no limit)\n"
    "      --streams OUT[/IN]   streams to ask for in INIT (default 10/10)\n"
    "      --rto-initial MS, --rto-min MS, --rto-max MS\n"
    "                           retransmission timeout bounds\n"
    "      --hb-interval MS     heartbeat interval (0: heartbeats off)\n"
    "\n"
    "Sending:\n"
    "  -s, --sid N              stream of the messages sent (default 0)\n"
    "  -p, --ppid P             payload protocol identifier, a number or a name\n"
    "                           (s1ap, x2ap, ngap, xnap, f1ap, e1ap, m3ua, diameter, ...)\n"
    "  -u, --unordered          send unordered\n"
    "      --pr POLICY          partial reliability: ttl:MS, rtx:N, prio:N or none\n"
    "      --records            each input line is FIELDS | PAYLOAD, FIELDS among\n"
    "                           sid=N ppid=P unordered ordered pr=POLICY assoc=ID\n"
    "  -x, --hex                input lines and printed payloads are hex\n"
    "      --binary             input: each read of standard input is one message;\n"
    "                           output: payloads raw on standard output, the rest on\n"
    "                           standard error\n"
    "  -f, --file F             send the file F as one message (repeatable); standard\n"
    "                           input is not read\n"
    "      --load COUNT         send COUNT generated messages, then print a summary\n"
    "      --size N             size of each --load message (default 100)\n"
    "      --rate R             --load messages per second (default: as fast as possible)\n"
    "\n"
    "Receiving and output:\n"
    "  -e, --events[=LIST]      print events: default (assoc,peer,shutdown,send-failed,\n"
    "                           remote-error), all, or a comma list of those and\n"
    "                           partial-delivery, adaptation, auth, sender-dry,\n"
    "                           stream-reset, assoc-reset, stream-change\n"
    "  -E, --echo               send every message back on its stream with its PPID and\n"
    "                           unordered flag (with -m: on its association)\n"
    "  -c, --count N            exit after N data messages received (with -m: in all)\n"
    "  -i, --idle-timeout S     exit when nothing was sent or received for S seconds\n"
    "  -j, --json               one JSON object per line for messages, events, summaries\n"
    "  -T, --timestamps         start each output line with the time (UTC)\n"
    "  -q, --quiet              do not print data messages\n"
    "  -h, --help               print this help and exit\n"
    "  -V, --version            print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 a message refused or unreadable, 2 usage error,\n"
    "3 could not associate or listen, 4 association lost (ABORT, COMM_LOST),\n"
    "5 idle timeout.\n";

[[noreturn]] void UsageError(const std::string& why) {
  std::fprintf(stderr, "sctpcat: %s\nTry 'sctpcat --help'.\n", why.c_str());
  std::exit(kExitUsage);
}

// Numbers must be whole and in range: a typo must not become stream 0.
template <typename T>
T Number(const char* flag, const char* text, unsigned long long max) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v > max || text[0] == '-') {
    UsageError(std::string(flag) + ": \"" + text + "\" is not a number from 0 to " + std::to_string(max));
  }
  return static_cast<T>(v);
}

struct PpidEntry {
  std::string_view name;
  std::uint32_t value;
};
// IANA "SCTP Payload Protocol Identifiers".
constexpr std::array<PpidEntry, 28> kPpids{{
    {"iua", 1},       {"m2ua", 2},      {"m3ua", 3},         {"sua", 4},          {"m2pa", 5},
    {"v5ua", 6},      {"h248", 7},      {"dua", 10},         {"s1ap", 18},        {"rua", 19},
    {"hnbap", 20},    {"sbcap", 24},    {"nbap", 25},        {"x2ap", 27},        {"lcsap", 29},
    {"sabp", 31},     {"m2ap", 43},     {"m3ap", 44},        {"diameter", 46},    {"diameter-dtls", 47},
    {"webrtc-dcep", 50}, {"webrtc-string", 51}, {"webrtc-binary", 53}, {"xwap", 58}, {"ngap", 60},
    {"xnap", 61},     {"f1ap", 62},     {"e1ap", 64},
}};

struct EventEntry {
  std::string_view name;
  netsctp::EventType type;
};
constexpr std::array<EventEntry, 13> kEventNames{{
    {"assoc", netsctp::EventType::kAssocChange},
    {"peer", netsctp::EventType::kPeerAddrChange},
    {"shutdown", netsctp::EventType::kShutdown},
    {"send-failed", netsctp::EventType::kSendFailedEvent},
    {"remote-error", netsctp::EventType::kRemoteError},
    {"partial-delivery", netsctp::EventType::kPartialDelivery},
    {"adaptation", netsctp::EventType::kAdaptationIndication},
    {"auth", netsctp::EventType::kAuthentication},
    {"sender-dry", netsctp::EventType::kSenderDry},
    {"stream-reset", netsctp::EventType::kStreamReset},
    {"assoc-reset", netsctp::EventType::kAssocReset},
    {"stream-change", netsctp::EventType::kStreamChange},
    {"legacy-send-failed", netsctp::EventType::kSendFailed},
}};
constexpr std::array<netsctp::EventType, 5> kDefaultEvents{
    netsctp::EventType::kAssocChange, netsctp::EventType::kPeerAddrChange, netsctp::EventType::kShutdown,
    netsctp::EventType::kSendFailedEvent, netsctp::EventType::kRemoteError};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '_') c = '-';
  }
  return out;
}

void AddEvent(std::vector<netsctp::EventType>& out, netsctp::EventType t) {
  for (auto e : out)
    if (e == t) return;
  out.push_back(t);
}

enum LongOnly : int {
  kOptStreams = 256,
  kOptRtoInitial,
  kOptRtoMin,
  kOptRtoMax,
  kOptHbInterval,
  kOptPr,
  kOptRecords,
  kOptBinary,
  kOptLoad,
  kOptSize,
  kOptRate,
};

constexpr std::array<option, 33> kLongOptions{{
    {"listen", no_argument, nullptr, 'l'},
    {"keep-open", no_argument, nullptr, 'k'},
    {"many", no_argument, nullptr, 'm'},
    {"network", required_argument, nullptr, 'n'},
    {"local", required_argument, nullptr, 'b'},
    {"timeout", required_argument, nullptr, 't'},
    {"streams", required_argument, nullptr, kOptStreams},
    {"rto-initial", required_argument, nullptr, kOptRtoInitial},
    {"rto-min", required_argument, nullptr, kOptRtoMin},
    {"rto-max", required_argument, nullptr, kOptRtoMax},
    {"hb-interval", required_argument, nullptr, kOptHbInterval},
    {"sid", required_argument, nullptr, 's'},
    {"stream", required_argument, nullptr, 's'},
    {"ppid", required_argument, nullptr, 'p'},
    {"unordered", no_argument, nullptr, 'u'},
    {"pr", required_argument, nullptr, kOptPr},
    {"records", no_argument, nullptr, kOptRecords},
    {"hex", no_argument, nullptr, 'x'},
    {"binary", no_argument, nullptr, kOptBinary},
    {"file", required_argument, nullptr, 'f'},
    {"load", required_argument, nullptr, kOptLoad},
    {"size", required_argument, nullptr, kOptSize},
    {"rate", required_argument, nullptr, kOptRate},
    {"events", optional_argument, nullptr, 'e'},
    {"echo", no_argument, nullptr, 'E'},
    {"count", required_argument, nullptr, 'c'},
    {"idle-timeout", required_argument, nullptr, 'i'},
    {"json", no_argument, nullptr, 'j'},
    {"timestamps", no_argument, nullptr, 'T'},
    {"quiet", no_argument, nullptr, 'q'},
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, 'V'},
    {nullptr, 0, nullptr, 0},
}};

// The option getopt_long complained about: the long one as typed
// ("--streams", "--bogus"), or the short letter.
std::string OptionName(const char* arg) {
  if (std::strncmp(arg, "--", 2) == 0) return std::string(arg).substr(0, std::string(arg).find('='));
  return std::string("-") + static_cast<char>(optopt);
}

}  // namespace

std::optional<std::uint32_t> ParsePpid(std::string_view text) {
  const std::string name = Lower(text);
  for (const auto& p : kPpids)
    if (p.name == name) return p.value;
  if (text.empty() || text.size() > 10) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > 0xffffffffULL) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

std::string_view PpidName(std::uint32_t ppid) {
  for (const auto& p : kPpids)
    if (p.value == ppid) return p.name;
  return {};
}

std::optional<netsctp::PrInfo> ParsePr(std::string_view text) {
  if (text == "none" || text == "reliable") return netsctp::PrInfo::Reliable();
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view kind = text.substr(0, colon);
  const std::string_view num = text.substr(colon + 1);
  if (num.empty() || num.size() > 10) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : num) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > 0xffffffffULL) return std::nullopt;
  const auto value = static_cast<std::uint32_t>(v);
  if (kind == "ttl") return netsctp::PrInfo{netsctp::PrPolicy::kTtl, value};
  if (kind == "rtx") return netsctp::PrInfo::Rtx(value);
  if (kind == "prio") return netsctp::PrInfo::Prio(value);
  return std::nullopt;
}

std::span<const netsctp::EventType> DefaultEvents() { return kDefaultEvents; }

std::string ParseEvents(std::string_view text, std::vector<netsctp::EventType>& out) {
  out.clear();
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string word = Lower(text.substr(start, comma - start));
    start = comma + 1;
    if (word == "default") {
      for (auto t : kDefaultEvents) AddEvent(out, t);
      continue;
    }
    if (word == "all") {
      for (auto t : netsctp::kAllEventTypes) AddEvent(out, t);
      continue;
    }
    if (word == "none") continue;
    bool found = false;
    for (const auto& e : kEventNames) {
      // Short name ("peer") or the uapi name ("PEER_ADDR_CHANGE", "peer-addr-change").
      if (word == e.name || word == Lower(netsctp::Name(e.type))) {
        AddEvent(out, e.type);
        found = true;
      }
    }
    if (!found) return "--events: unknown event \"" + word + "\" (see --help)";
  }
  return {};
}

Options Parse(int argc, char** argv) {
  Options o;
  bool events_given = false;
  int c;
  opterr = 0;  // our own messages
  while ((c = getopt_long(argc, argv, ":lkmn:b:t:s:p:uxf:e::Ec:i:jTqhV", kLongOptions.data(), nullptr)) != -1) {
    switch (c) {
      case 'l': o.listen = true; break;
      case 'k': o.keep_open = true; break;
      case 'm': o.many = true; break;
      case 'n': o.network = optarg; break;
      case 'b': o.local = optarg; break;
      case 't': o.timeout_s = Number<int>("--timeout", optarg, 86'400); break;
      case kOptStreams: {
        const std::string s = optarg;
        const auto slash = s.find('/');
        o.out_streams = Number<std::uint16_t>("--streams", s.substr(0, slash).c_str(), 65535);
        o.in_streams = slash == std::string::npos ? o.out_streams
                                                  : Number<std::uint16_t>("--streams", s.substr(slash + 1).c_str(), 65535);
        if (o.out_streams == 0 || o.in_streams == 0) UsageError("--streams: a stream count must be at least 1");
        break;
      }
      case kOptRtoInitial: o.rto_initial = Number<std::uint32_t>("--rto-initial", optarg, 0xffffffffULL); break;
      case kOptRtoMin: o.rto_min = Number<std::uint32_t>("--rto-min", optarg, 0xffffffffULL); break;
      case kOptRtoMax: o.rto_max = Number<std::uint32_t>("--rto-max", optarg, 0xffffffffULL); break;
      case kOptHbInterval: o.hb_interval = Number<std::uint32_t>("--hb-interval", optarg, 0xffffffffULL); break;
      case 's': o.sid = Number<std::uint16_t>("--sid", optarg, 65535); break;
      case 'p': {
        const auto p = ParsePpid(optarg);
        if (!p) UsageError(std::string("--ppid: \"") + optarg + "\" is neither a number from 0 to 4294967295 nor a known name");
        o.ppid = *p;
        break;
      }
      case 'u': o.unordered = true; break;
      case kOptPr: {
        o.pr = ParsePr(optarg);
        if (!o.pr) UsageError(std::string("--pr: \"") + optarg + "\" is not ttl:MS, rtx:N, prio:N or none");
        break;
      }
      case kOptRecords: o.records = true; break;
      case 'x': o.format = Format::kHex; break;
      case kOptBinary: o.format = Format::kBinary; break;
      case 'f': o.files.emplace_back(optarg); break;
      case kOptLoad: o.load_count = Number<long>("--load", optarg, 1'000'000'000); break;
      case kOptSize: {
        o.load_size = Number<std::size_t>("--size", optarg, 64ULL * 1024 * 1024);
        if (o.load_size == 0) UsageError("--size: SCTP has no empty messages");
        break;
      }
      case kOptRate: {
        char* end = nullptr;
        o.load_rate = std::strtod(optarg, &end);
        if (end == optarg || (*end != '\0' && std::strcmp(end, "/s") != 0) || !(o.load_rate > 0)) {
          UsageError(std::string("--rate: \"") + optarg + "\" is not a positive number of messages per second");
        }
        break;
      }
      case 'e': {
        events_given = true;
        const std::string err = ParseEvents(optarg ? optarg : "default", o.events);
        if (!err.empty()) UsageError(err);
        break;
      }
      case 'E': o.echo = true; break;
      case 'c': o.count = Number<long>("--count", optarg, 1'000'000'000); break;
      case 'i': o.idle_s = Number<int>("--idle-timeout", optarg, 86'400); break;
      case 'j': o.json = true; break;
      case 'T': o.timestamps = true; break;
      case 'q': o.quiet = true; break;
      case 'h': std::fputs(kHelp, stdout); std::exit(kExitOk);
      case 'V':
        std::printf("sctpcat (netsctp) %s\n", netsctp::Version());
        std::exit(kExitOk);
      case ':': UsageError("option " + OptionName(argv[optind - 1]) + " needs an argument");
      default: UsageError("unknown option " + OptionName(argv[optind - 1]));
    }
  }
  if (optind == argc) UsageError("no ADDRESS given (host:port, h1/h2:port for several)");
  if (optind != argc - 1) UsageError(std::string("one ADDRESS only; unexpected \"") + argv[optind + 1] + "\"");
  if (o.many && !o.listen) UsageError("-m serves associations as a listener: use it with -l");
  if (o.keep_open && !o.listen) UsageError("-k keeps a listener open: use it with -l");
  if (o.many && o.keep_open) UsageError("-k and -m are two listener modes: choose one");
  if (o.local && o.listen) UsageError("-b names local addresses to dial from; a listener binds ADDRESS itself");
  if (o.load_count >= 0 && !o.files.empty()) UsageError("--load and --file both say what to send: choose one");
  if (o.records && o.format == Format::kBinary) UsageError("--records reads lines; --binary reads raw bytes");
  if (!events_given) o.events.clear();
  o.address = argv[optind];
  return o;
}

}  // namespace sctpcat
