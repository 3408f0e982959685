// The address grammar of docs/addresses.md ("h1/h2/.../hN:port", IP
// literals, zones, ports) with every name look-up behind an interface.
//
// The public parsers (ResolveSctpAddr, ResolveIpAddrs, IpAddr::Parse) pass
// the system's look-ups; unit tests and the fuzz target pass their own, so
// that what they check never depends on the machine's resolver,
// /etc/services or network interfaces, and never blocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netsctp/addr.h"
#include "netsctp/result.h"

namespace netsctp::internal {

// What the grammar asks about names; the grammar itself calls nothing else
// outside the process. Called only for text that passed the grammar's own
// checks: a host name of letters, digits, '-', '_' and '.' (at most 253
// bytes, not only digits and dots); a service name without spaces or control
// bytes; a zone without separators of the grammar.
// Implementations are used through references only (never deleted through
// this base), so that the system's can be a constant with no destructor.
class NameLookups {
 public:
  // Every address of a host name, in the resolver's order (the grammar picks
  // one by network). On failure, an Error whose context is the reason, in
  // words ("Name or service not known"); the grammar adds the host to it.
  virtual Result<std::vector<IpAddr>> Host(std::string_view name) const = 0;
  // The port of a service name, looked up like TCP's; nullopt when unknown.
  virtual std::optional<std::uint16_t> Service(std::string_view name) const = 0;
  // The index of a network interface; 0 when there is none by that name.
  virtual std::uint32_t InterfaceIndex(std::string_view name) const = 0;

 protected:
  NameLookups() = default;
  ~NameLookups() = default;
  NameLookups(const NameLookups&) = default;
  NameLookups& operator=(const NameLookups&) = default;
};

// IpAddr::Parse with `lookups` for a zone that names an interface.
Result<IpAddr> ParseIpAddr(std::string_view text, const NameLookups& lookups);

// ResolveSctpAddr with `lookups` for host, service and zone names.
Result<SctpAddr> ParseSctpAddr(std::string_view network, std::string_view address, const NameLookups& lookups);

// ResolveIpAddrs with `lookups` for host and zone names.
Result<std::vector<IpAddr>> ParseIpAddrs(std::string_view network, std::string_view hosts,
                                         const NameLookups& lookups);

}  // namespace netsctp::internal
