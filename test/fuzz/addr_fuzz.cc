// libFuzzer target: the address grammar over arbitrary text.
//
// Every input goes through the grammars of ResolveSctpAddr and ResolveIpAddrs
// (each with one of sctp, sctp4, sctp6) and of IpAddr::Parse, with name
// look-ups answered by a fake that depends on the name only: the fuzzer never
// calls getaddrinfo, getservbyname or if_nametoindex, so a run means the same
// on every machine.
// Besides memory safety under ASan and UBSan it checks what callers rely on:
//   - every address that parses prints (String()) a text that parses back,
//     with network "sctp" and with the network it came from, to an equal
//     address that prints the same text again; the same for each IpAddr and
//     for the host list without its port (ResolveIpAddrs);
//   - a failure carries one of the grammar's documented error codes and a
//     one-line message that starts by naming the input.
// Built by meson with -Dfuzz=true (clang only); run with tools/fuzz addr.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "internal/addr_grammar.h"
#include "netsctp/addr.h"

namespace {

using netsctp::Errc;
using netsctp::IpAddr;
using netsctp::Result;
using netsctp::SctpAddr;

std::uint32_t Hash(std::string_view s) {  // FNV-1a: the answer depends on the name only
  std::uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

std::uint8_t Byte(std::uint32_t h, int i) { return static_cast<std::uint8_t>(h >> (8 * i)); }

// Host names resolve to none, one or several addresses of either family (link-local
// IPv6 with a scope id, as getaddrinfo can return them) or fail; services and
// interfaces exist or not, all decided by a hash of the name.
class FakeLookups final : public netsctp::internal::NameLookups {
 public:
  Result<std::vector<IpAddr>> Host(std::string_view name) const override {
    const std::uint32_t h = Hash(name);
    const IpAddr v4 = IpAddr::V4({10, Byte(h, 1), Byte(h, 2), Byte(h, 3)});
    const IpAddr v6 = IpAddr::V6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Byte(h, 0), Byte(h, 1), Byte(h, 2), 1},
                                 h % 3);
    switch (h % 6) {
      case 0: return netsctp::Error(netsctp::make_error_code(Errc::kBadAddress), "Name or service not known");
      case 1: return std::vector<IpAddr>{};
      case 2: return std::vector<IpAddr>{v4};
      case 3: return std::vector<IpAddr>{v6};
      case 4: return std::vector<IpAddr>{v6, v4, v6};
      default: return std::vector<IpAddr>{v4, v6};
    }
  }
  std::optional<std::uint16_t> Service(std::string_view name) const override {
    if (name == "http") return 80;
    const std::uint32_t h = Hash(name);
    if (h % 3 == 0) return std::nullopt;
    return static_cast<std::uint16_t>(h >> 8);
  }
  std::uint32_t InterfaceIndex(std::string_view name) const override {
    if (name == "lo") return 1;
    const std::uint32_t h = Hash(name);
    return h % 2 == 0 ? 0 : h >> 1;
  }
};

const FakeLookups kLookups;

void Check(bool ok) {
  if (!ok) std::abort();
}

// A failure names the input first and stays on one printable line.
void CheckMessage(const netsctp::Error& e, std::string_view prefix) {
  const std::string m = e.message();
  Check(m.rfind(prefix, 0) == 0);
  for (char c : m) {
    const auto u = static_cast<unsigned char>(c);
    Check(u >= 0x20 && u != 0x7f);
  }
}

bool IsGrammarError(const netsctp::Error& e) {
  for (Errc c : {Errc::kMissingPort, Errc::kTooManyColons, Errc::kMissingBracket, Errc::kBadAddress, Errc::kBadPort,
                 Errc::kNoSuitableAddress}) {
    if (e == c) return true;
  }
  return false;
}

void CheckIp(const IpAddr& ip) {
  const std::string text = ip.String();
  Result<IpAddr> back = netsctp::internal::ParseIpAddr(text, kLookups);
  Check(back.has_value());
  Check(*back == ip);
  Check(back->Is4() == ip.Is4());
  Check(back->String() == text);
}

// The host list of `a` without its port, as ResolveIpAddrs reads it.
void CheckHostList(std::string_view network, const SctpAddr& a) {
  if (a.ip_addrs.empty()) return;
  std::string hosts;
  for (const IpAddr& ip : a.ip_addrs) {
    if (!hosts.empty()) hosts += '/';
    hosts += ip.String();  // no brackets: ResolveIpAddrs does not need them
  }
  Result<std::vector<IpAddr>> back = netsctp::internal::ParseIpAddrs(network, hosts, kLookups);
  Check(back.has_value());
  Check(*back == a.ip_addrs);
}

void CheckRoundTrip(std::string_view network, const SctpAddr& a) {
  const std::string text = a.String();
  for (std::string_view net : {std::string_view("sctp"), network}) {
    Result<SctpAddr> back = netsctp::internal::ParseSctpAddr(net, text, kLookups);
    Check(back.has_value());
    Check(*back == a);
    Check(back->String() == text);
  }
  for (const IpAddr& ip : a.ip_addrs) CheckIp(ip);
  CheckHostList(network, a);
}

void FuzzSctpAddr(std::string_view network, std::string_view text) {
  Result<SctpAddr> a = netsctp::internal::ParseSctpAddr(network, text, kLookups);
  if (a) {
    CheckRoundTrip(network, *a);
    if (network == "sctp4") {
      for (const IpAddr& ip : a->ip_addrs) Check(ip.Is4());
    } else if (network == "sctp6") {
      for (const IpAddr& ip : a->ip_addrs) Check(ip.Is6());
    }
  } else {
    Check(IsGrammarError(a.error()));
    CheckMessage(a.error(), "address \"");
  }
}

void FuzzIpAddrs(std::string_view network, std::string_view text) {
  Result<std::vector<IpAddr>> list = netsctp::internal::ParseIpAddrs(network, text, kLookups);
  if (list) {
    Check(!list->empty());
    for (const IpAddr& ip : *list) CheckIp(ip);
  } else {
    Check(list.error() == Errc::kMissingBracket || list.error() == Errc::kBadAddress ||
          list.error() == Errc::kNoSuitableAddress);
    CheckMessage(list.error(), "address \"");
  }
}

void FuzzIpAddr(std::string_view text) {
  Result<IpAddr> ip = netsctp::internal::ParseIpAddr(text, kLookups);
  if (ip) {
    CheckIp(*ip);
  } else {
    Check(ip.error() == Errc::kBadAddress);
    CheckMessage(ip.error(), "\"");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // libFuzzer hands over an exact-size heap copy: ASan sees any read past the end.
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // One network per grammar and input, picked by the input's length: every
  // network on every input would triple the cost of a run for little (a
  // success is parsed again with "sctp" anyway).
  static constexpr std::string_view kNetworks[] = {"sctp", "sctp4", "sctp6"};
  FuzzSctpAddr(kNetworks[size % 3], text);
  FuzzIpAddrs(kNetworks[(size + 1) % 3], text);
  FuzzIpAddr(text);
  Check(netsctp::internal::ParseSctpAddr("sctp5", text, kLookups).error() == Errc::kUnknownNetwork);
  return 0;
}
