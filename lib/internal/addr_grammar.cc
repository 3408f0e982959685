// The address grammar: a syntactic pass that never blocks (splitting,
// brackets, IP literals, numeric ports), then NameLookups only for what is a
// name. Errors carry the whole input in their context, built only on the
// error path.
#include "internal/addr_grammar.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <iterator>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

namespace netsctp::internal {
namespace {

// Longest host name handed to the resolver (RFC 1035's limit, without the root dot).
constexpr std::size_t kMaxHostName = 253;

// The networks of the grammar, with the name the caller used (for messages).
enum class Family { kAny, k4, k6 };
struct Network {
  Family family;
  std::string_view name;
};

std::optional<Network> ParseNetwork(std::string_view name) {
  if (name == "sctp") return Network{Family::kAny, name};
  if (name == "sctp4") return Network{Family::k4, name};
  if (name == "sctp6") return Network{Family::k6, name};
  return std::nullopt;
}

// `text` in double quotes for an error context; quotes, backslashes and
// control bytes are escaped so that the message stays one printable line.
std::string Quote(std::string_view text) {
  std::string q = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else if (u < 0x20 || u == 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      q += hex;
    } else {
      q += c;
    }
  }
  q += '"';
  return q;
}

Error MakeError(Errc e, std::string context) { return Error(make_error_code(e), std::move(context)); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsDigits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit); }

// A decimal number no greater than `max`; nullopt for anything else
// (signs, spaces, overflow).
std::optional<std::uint64_t> ParseDecimal(std::string_view s, std::uint64_t max) {
  if (!IsDigits(s)) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (v > max) return std::nullopt;
  }
  return v;
}

// White space as Go's strings.TrimSpace sees it: ASCII and the Unicode
// White_Space characters, in UTF-8.
constexpr std::string_view kSpaces[] = {
    "\t", "\n", "\v", "\f", "\r", " ", "\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80",
    "\xe2\x80\x80", "\xe2\x80\x81", "\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85",
    "\xe2\x80\x86", "\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\xa8",
    "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80"};

// Zone text that can appear inside "[addr%zone]" and round-trip through the
// grammar: not empty, no separators of the grammar itself ('%', '/', '[',
// ']'), no spaces or control bytes (no interface name has them). A ':' is
// allowed: the kernel resolves an alias label ("eth0:1") to its interface.
bool IsValidZone(std::string_view zone) {
  // Unicode spaces too: trimmed off the end of an address, they would change
  // the zone of an unbracketed one.
  return !zone.empty() && std::none_of(zone.begin(), zone.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f || c == '%' || c == '/' || c == '[' || c == ']';
  }) && std::none_of(std::begin(kSpaces), std::end(kSpaces), [&](std::string_view sp) {
    return zone.find(sp) != std::string_view::npos;
  });
}

// A decimal zone is the scope id itself (no look-up); anything else names an
// interface, and an unknown interface gives 0 (the caller still succeeds).
std::optional<std::uint32_t> ResolveZone(std::string_view zone, const NameLookups& lookups) {
  if (IsDigits(zone)) {
    std::optional<std::uint64_t> id = ParseDecimal(zone, std::numeric_limits<std::uint32_t>::max());
    if (!id) return std::nullopt;
    return static_cast<std::uint32_t>(*id);
  }
  return lookups.InterfaceIndex(zone);
}

// An IP literal with an optional IPv6 zone; nullopt when `text` is not one.
std::optional<IpAddr> ParseLiteral(std::string_view text, const NameLookups& lookups) {
  if (text.empty() || text.find('\0') != std::string_view::npos) return std::nullopt;
  std::string_view zone;
  bool has_zone = false;
  if (std::size_t pct = text.find('%'); pct != std::string_view::npos) {
    zone = text.substr(pct + 1);
    text = text.substr(0, pct);
    has_zone = true;
    if (!IsValidZone(zone)) return std::nullopt;
  }
  char buf[INET6_ADDRSTRLEN];  // inet_pton wants a terminated string
  if (text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (text.find(':') == std::string_view::npos) {
    if (has_zone) return std::nullopt;  // zones are for IPv6 only
    std::array<std::uint8_t, 4> b{};
    if (inet_pton(AF_INET, buf, b.data()) != 1) return std::nullopt;
    return IpAddr::V4(b);
  }
  std::array<std::uint8_t, 16> b{};
  if (inet_pton(AF_INET6, buf, b.data()) != 1) return std::nullopt;
  std::uint32_t scope_id = 0;
  if (has_zone) {
    std::optional<std::uint32_t> id = ResolveZone(zone, lookups);
    if (!id) return std::nullopt;
    scope_id = *id;
  }
  return IpAddr::V6(b, scope_id, std::string(zone));
}

// Whether `host` may be handed to the resolver as a name: letters, digits,
// '-', '_' and '.', and not only digits and dots. The last rule keeps
// malformed IPv4 literals ("300.1.1.1", "127.1") away from getaddrinfo, which
// would accept inet_aton's short forms or send them to DNS.
bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostName) return false;
  bool has_letter = false;
  for (char c : host) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
    if (!letter && !IsDigit(c) && c != '.') return false;
    has_letter = has_letter || letter;
  }
  return has_letter;
}

Result<void> CheckFamily(const IpAddr& ip, std::string_view host, const Network& net) {
  if (net.family == Family::k4 && ip.Is6()) {
    return MakeError(Errc::kNoSuitableAddress,
                     "IPv6 host " + Quote(host) + " with network " + Quote(net.name));
  }
  if (net.family == Family::k6 && ip.Is4()) {
    return MakeError(Errc::kNoSuitableAddress,
                     "IPv4 host " + Quote(host) + " with network " + Quote(net.name));
  }
  return {};
}

// Resolves a host name to one address: IPv4 preferred for "sctp" (IPv6 when
// `prefer6`) and "sctp4", IPv6 for "sctp6".
Result<IpAddr> LookupHost(std::string_view host, const Network& net, const NameLookups& lookups, bool prefer6) {
  Result<std::vector<IpAddr>> list = lookups.Host(host);
  if (!list) {
    return MakeError(Errc::kBadAddress, "host " + Quote(host) + " (" + std::string(list.error().context()) + ")");
  }
  const IpAddr* v4 = nullptr;
  const IpAddr* v6 = nullptr;
  for (const IpAddr& ip : *list) {
    const IpAddr*& slot = ip.Is4() ? v4 : v6;
    if (slot == nullptr) slot = &ip;
  }
  // A name whose only address is "::" also gives "0.0.0.0", as a literal does.
  const IpAddr any4;
  if (list->size() == 1 && v6 != nullptr && v6->IsUnspecified()) v4 = &any4;
  if (net.family == Family::kAny && prefer6 && v6 != nullptr) return *v6;
  const IpAddr* preferred = net.family == Family::k6 ? v6 : v4;
  if (preferred != nullptr) return *preferred;
  if (net.family == Family::kAny && v6 != nullptr) return *v6;
  if (v4 == nullptr && v6 == nullptr) return MakeError(Errc::kBadAddress, "host " + Quote(host) + " (no address)");
  return MakeError(Errc::kNoSuitableAddress,
                   "host " + Quote(host) + " has no " + (net.family == Family::k6 ? "IPv6" : "IPv4") +
                       " address for network " + Quote(net.name));
}

// One host of the grammar, brackets already removed: an IP literal or a name.
// `prefer6`: a name written in brackets ("[localhost]:80") prefers IPv6 with
// network "sctp", as Go's resolver does for a bracketed host.
Result<IpAddr> ResolveHost(std::string_view host, const Network& net, const NameLookups& lookups,
                           bool prefer6 = false) {
  if (std::optional<IpAddr> ip = ParseLiteral(host, lookups)) {
    // "::" also stands for "0.0.0.0" where only IPv4 will do, so that
    // "[::]:80" listens on every address with any network, as in Go.
    if (net.family == Family::k4 && ip->Is6() && ip->IsUnspecified()) return IpAddr();
    if (Result<void> ok = CheckFamily(*ip, host, net); !ok) return std::move(ok).error();
    return *std::move(ip);
  }
  // A colon or a zone can only belong to an IPv6 literal, and no name has them.
  if (!IsHostName(host)) return MakeError(Errc::kBadAddress, "host " + Quote(host));
  return LookupHost(host, net, lookups, prefer6);
}

// Removes the optional brackets around a host before the last one.
Result<std::string_view> StripBrackets(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    if (host.back() != ']' || host.size() < 2) return Errc::kMissingBracket;
    host = host.substr(1, host.size() - 2);
  }
  if (host.find_first_of("[]") != std::string_view::npos) return Errc::kMissingBracket;
  return host;
}

struct HostPort {
  std::string_view host;
  std::string_view port;
  bool bracketed = false;  // "[host]:port"
};

// Splits the last element, "host:port" or "[host]:port", like Go's
// net.SplitHostPort, except that any bracket other than the pair around the
// host is kMissingBracket (Go says "unexpected '['" or "missing port").
Result<HostPort> SplitHostPort(std::string_view hp) {
  const std::size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos) return Errc::kMissingPort;
  HostPort out;
  if (hp.front() == '[') {
    const std::size_t end = hp.find(']');
    if (end == std::string_view::npos || hp.find('[', 1) != std::string_view::npos ||
        hp.find(']', end + 1) != std::string_view::npos) {
      return Errc::kMissingBracket;
    }
    if (end + 1 == hp.size()) return Errc::kMissingPort;
    if (end + 1 != colon) return hp[end + 1] == ':' ? Errc::kTooManyColons : Errc::kMissingPort;
    out.host = hp.substr(1, end - 1);
    out.bracketed = true;
  } else {
    if (hp.find_first_of("[]") != std::string_view::npos) return Errc::kMissingBracket;
    out.host = hp.substr(0, colon);
    if (out.host.find(':') != std::string_view::npos) return Errc::kTooManyColons;
  }
  out.port = hp.substr(colon + 1);
  return out;
}

// TCP services every Go program knows even where /etc/services is missing
// (minimal containers): IANA's ports for them.
struct WellKnownService {
  std::string_view name;
  std::uint16_t port;
};
constexpr WellKnownService kWellKnownServices[] = {
    {"ftp", 21},   {"ftps", 990},  {"gopher", 70}, {"http", 80},  {"https", 443}, {"imap2", 143}, {"imap3", 220},
    {"imaps", 993}, {"pop3", 110}, {"pop3s", 995}, {"smtp", 25},  {"ssh", 22},    {"telnet", 23},
};

// A service name's port: as written, then in lower case (service names are
// case-insensitive in Go: "HTTP" is 80), then the well-known table.
std::optional<std::uint16_t> LookupService(std::string_view name, const NameLookups& lookups) {
  if (std::optional<std::uint16_t> port = lookups.Service(name)) return port;
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  if (lower != name) {
    if (std::optional<std::uint16_t> port = lookups.Service(lower)) return port;
  }
  for (const WellKnownService& s : kWellKnownServices) {
    if (s.name == lower) return s.port;
  }
  return std::nullopt;
}

// A decimal port 0..65535 (a leading '+' allowed, as Go allows it), a
// service name, or "" (0). A lone sign, "-0" and any other negative number
// are refused (Go reads a lone sign as port 0).
std::optional<std::uint16_t> ParsePort(std::string_view port, const NameLookups& lookups) {
  if (port.empty()) return 0;
  const std::string_view digits = port.front() == '+' ? port.substr(1) : port;
  if (IsDigits(digits)) {
    std::optional<std::uint64_t> v = ParseDecimal(digits, 65535);
    if (!v) return std::nullopt;
    return static_cast<std::uint16_t>(*v);
  }
  const bool plausible = std::none_of(port.begin(), port.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
  if (!plausible || port.front() == '-' || port.front() == '+') return std::nullopt;
  return LookupService(port, lookups);
}

// Go's strings.TrimSpace, which go-sctp applies to the whole address: ASCII
// white space and the Unicode White_Space characters, in UTF-8, at both ends.
std::string_view TrimSpace(std::string_view s) {
  for (bool trimmed = true; trimmed && !s.empty();) {
    trimmed = false;
    for (std::string_view sp : kSpaces) {
      if (s.starts_with(sp)) {
        s.remove_prefix(sp.size());
        trimmed = true;
      }
      if (s.ends_with(sp)) {
        s.remove_suffix(sp.size());
        trimmed = true;
      }
    }
  }
  return s;
}

std::vector<std::string_view> SplitHosts(std::string_view text) {
  std::vector<std::string_view> out;
  for (;;) {
    const std::size_t slash = text.find('/');
    out.push_back(text.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    text = text.substr(slash + 1);
  }
}

// Resolves a host that came from position `index` (1-based) of a list of
// `count`, with the error context `address "..."`.
Result<IpAddr> ResolveListHost(std::string_view host, std::size_t index, std::size_t count,
                               const Network& net, const std::string& context, const NameLookups& lookups,
                               bool prefer6 = false) {
  if (host.empty()) {
    return MakeError(Errc::kBadAddress, context + ": empty host " + std::to_string(index) + " of " +
                                            std::to_string(count));
  }
  Result<IpAddr> ip = ResolveHost(host, net, lookups, prefer6);
  if (!ip) return ip.error().WithContext(context);
  return ip;
}

}  // namespace

Result<IpAddr> ParseIpAddr(std::string_view text, const NameLookups& lookups) {
  if (std::optional<IpAddr> ip = ParseLiteral(text, lookups)) return *std::move(ip);
  return MakeError(Errc::kBadAddress, Quote(text));
}

Result<SctpAddr> ParseSctpAddr(std::string_view network, std::string_view address, const NameLookups& lookups) {
  const std::optional<Network> net = ParseNetwork(network);
  if (!net) {
    return MakeError(Errc::kUnknownNetwork, "address " + Quote(address) + ": network " + Quote(network));
  }
  SctpAddr out;
  const std::string_view input = address;  // as given, for messages
  address = TrimSpace(address);
  if (address.empty()) return out;  // as Go: "" is ":0"

  const std::string context = "address " + Quote(input);
  const std::vector<std::string_view> elements = SplitHosts(address);
  Result<HostPort> last = SplitHostPort(elements.back());
  if (!last) return Error(last.error().code(), context);

  // A lone empty host (":8000") means no address; an empty host in a list is
  // a typo ("a//b:5", "/:5").
  if (elements.size() > 1 || !last->host.empty()) {
    out.ip_addrs.reserve(elements.size());
    for (std::size_t i = 0; i + 1 < elements.size(); ++i) {
      Result<std::string_view> host = StripBrackets(elements[i]);
      if (!host) return Error(host.error().code(), context + ": host " + Quote(elements[i]));
      Result<IpAddr> ip = ResolveListHost(*host, i + 1, elements.size(), *net, context, lookups);
      if (!ip) return std::move(ip).error();
      out.ip_addrs.push_back(*std::move(ip));
    }
    Result<IpAddr> ip =
        ResolveListHost(last->host, elements.size(), elements.size(), *net, context, lookups, last->bracketed);
    if (!ip) return std::move(ip).error();
    out.ip_addrs.push_back(*std::move(ip));
  }

  std::optional<std::uint16_t> port = ParsePort(last->port, lookups);
  if (!port) return MakeError(Errc::kBadPort, context + ": port " + Quote(last->port));
  out.port = *port;
  return out;
}

Result<std::vector<IpAddr>> ParseIpAddrs(std::string_view network, std::string_view hosts,
                                         const NameLookups& lookups) {
  const std::optional<Network> net = ParseNetwork(network);
  if (!net) {
    return MakeError(Errc::kUnknownNetwork, "address " + Quote(hosts) + ": network " + Quote(network));
  }
  const std::string context = "address " + Quote(hosts);
  hosts = TrimSpace(hosts);
  if (hosts.empty()) return MakeError(Errc::kBadAddress, context + ": no host");
  const std::vector<std::string_view> elements = SplitHosts(hosts);
  std::vector<IpAddr> out;
  out.reserve(elements.size());
  for (std::size_t i = 0; i < elements.size(); ++i) {
    Result<std::string_view> host = StripBrackets(elements[i]);
    if (!host) return Error(host.error().code(), context + ": host " + Quote(elements[i]));
    Result<IpAddr> ip = ResolveListHost(*host, i + 1, elements.size(), *net, context, lookups);
    if (!ip) return std::move(ip).error();
    out.push_back(*std::move(ip));
  }
  return out;
}

}  // namespace netsctp::internal
