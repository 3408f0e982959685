// sockaddr packing for sctp_bindx/sctp_connectx, unpacking of the kernel's
// address lists, the socket family for a network, and single-address
// conversion, checked byte by byte against the Linux ABI layouts:
//   sockaddr_in  (16 bytes): family (host order) | port (BE) | addr (4) | zero (8)
//   sockaddr_in6 (28 bytes): family (host order) | port (BE) | flowinfo (4) |
//                            addr (16) | scope id (host order, 4)
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <string>
#include <vector>

#include "internal/sockaddr.h"

using netsctp::Errc;
using netsctp::IpAddr;
using netsctp::Result;
using netsctp::SctpAddr;
using netsctp::internal::ChooseFamily;
using netsctp::internal::PackAddrs;
using netsctp::internal::PackedAddrs;
using netsctp::internal::SocketFamily;
using netsctp::internal::ToSockaddr;
using netsctp::internal::UnpackAddrs;
using netsctp::internal::UnpackGetAddrs;

namespace Catch {
template <>
struct StringMaker<SctpAddr> {
  static std::string convert(const SctpAddr& a) { return a.String(); }
};
}  // namespace Catch

namespace {

static_assert(sizeof(sockaddr_in) == 16 && sizeof(sockaddr_in6) == 28, "Linux ABI sizes");

using Bytes = std::vector<std::uint8_t>;

IpAddr Ip(std::string_view text) { return IpAddr::Parse(text).value(); }

SctpAddr Addrs(const std::vector<const char*>& ips, std::uint16_t port) {
  SctpAddr a;
  for (const char* ip : ips) a.ip_addrs.push_back(Ip(ip));
  a.port = port;
  return a;
}

// The layouts written out by hand, independently of the code under test.
void PutFamily(Bytes& out, int family) {
  const auto f = static_cast<sa_family_t>(family);
  std::uint8_t raw[sizeof f];
  std::memcpy(raw, &f, sizeof f);
  out.insert(out.end(), raw, raw + sizeof f);
}
void PutPort(Bytes& out, std::uint16_t port) {
  out.push_back(static_cast<std::uint8_t>(port >> 8));
  out.push_back(static_cast<std::uint8_t>(port & 0xff));
}
void PutU32Host(Bytes& out, std::uint32_t v) {
  std::uint8_t raw[4];
  std::memcpy(raw, &v, 4);
  out.insert(out.end(), raw, raw + 4);
}

Bytes In4(std::array<std::uint8_t, 4> addr, std::uint16_t port) {
  Bytes out;
  PutFamily(out, AF_INET);
  PutPort(out, port);
  out.insert(out.end(), addr.begin(), addr.end());
  out.insert(out.end(), 8, 0);
  return out;
}

Bytes In6(std::array<std::uint8_t, 16> addr, std::uint16_t port, std::uint32_t scope = 0) {
  Bytes out;
  PutFamily(out, AF_INET6);
  PutPort(out, port);
  out.insert(out.end(), 4, 0);  // flowinfo
  out.insert(out.end(), addr.begin(), addr.end());
  PutU32Host(out, scope);
  return out;
}

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes AsBytes(const std::vector<std::byte>& v) {
  Bytes out(v.size());
  std::memcpy(out.data(), v.data(), v.size());
  return out;
}

std::span<const std::byte> Span(const Bytes& b) { return std::as_bytes(std::span(b)); }

constexpr std::array<std::uint8_t, 16> kFe80_1{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
constexpr std::array<std::uint8_t, 16> kDb8_1{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
constexpr std::array<std::uint8_t, 16> kLoop6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
constexpr std::array<std::uint8_t, 16> kAny6{};

std::array<std::uint8_t, 16> Mapped(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d};
}

std::vector<std::string> Strings(const SctpAddr& a) {
  std::vector<std::string> out;
  for (const IpAddr& ip : a.ip_addrs) out.push_back(ip.String());
  return out;
}

}  // namespace

TEST_CASE("ChooseFamily follows the network and the addresses") {
  struct Row {
    const char* network;
    std::vector<const char*> ips;
    int family;   // 0: an error is expected
    bool v6only;
    Errc errc;
  };
  const std::vector<Row> rows = {
      {"sctp", {}, AF_INET6, false, {}},                          // listen on everything, dual-stack
      {"sctp", {"::"}, AF_INET6, false, {}},
      {"sctp", {"0.0.0.0"}, AF_INET, false, {}},                  // explicit IPv4 wildcard
      {"sctp", {"::ffff:0.0.0.0"}, AF_INET, false, {}},
      {"sctp", {"127.0.0.1"}, AF_INET, false, {}},
      {"sctp", {"127.0.0.1", "10.0.0.1"}, AF_INET, false, {}},
      {"sctp", {"::1"}, AF_INET6, false, {}},
      {"sctp", {"127.0.0.1", "::1"}, AF_INET6, false, {}},        // mixed: IPv4 goes mapped
      {"sctp", {"::1", "127.0.0.1"}, AF_INET6, false, {}},
      {"sctp4", {}, AF_INET, false, {}},
      {"sctp4", {"0.0.0.0"}, AF_INET, false, {}},
      {"sctp4", {"127.0.0.1", "10.0.0.1"}, AF_INET, false, {}},
      {"sctp4", {"::1"}, 0, false, Errc::kNoSuitableAddress},
      {"sctp4", {"::"}, 0, false, Errc::kNoSuitableAddress},
      {"sctp4", {"127.0.0.1", "::1"}, 0, false, Errc::kNoSuitableAddress},
      {"sctp6", {}, AF_INET6, true, {}},
      {"sctp6", {"::"}, AF_INET6, true, {}},
      {"sctp6", {"::1", "2001:db8::1"}, AF_INET6, true, {}},
      {"sctp6", {"127.0.0.1"}, 0, false, Errc::kNoSuitableAddress},
      {"sctp6", {"::ffff:127.0.0.1"}, 0, false, Errc::kNoSuitableAddress},
      {"sctp6", {"::1", "10.0.0.1"}, 0, false, Errc::kNoSuitableAddress},
      {"", {}, 0, false, Errc::kUnknownNetwork},
      {"tcp", {"127.0.0.1"}, 0, false, Errc::kUnknownNetwork},
      {"sctp46", {}, 0, false, Errc::kUnknownNetwork},
  };
  for (const Row& row : rows) {
    const SctpAddr addr = Addrs(row.ips, 5);
    INFO(row.network << " " << addr.String());
    Result<SocketFamily> f = ChooseFamily(row.network, addr);
    if (row.family == 0) {
      CHECK_FALSE(f.has_value());
      if (f) continue;
      CHECK(f.error() == row.errc);
      CHECK_FALSE(f.error().context().empty());
      continue;
    }
    CHECK(f.has_value());
    if (!f) continue;
    CHECK(f->family == row.family);
    CHECK(f->v6only == row.v6only);
  }
  Result<SocketFamily> bad = ChooseFamily("sctp6", Addrs({"10.0.0.1"}, 7));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("\"10.0.0.1:7\"") != std::string::npos);
}

TEST_CASE("CheckDialFamilies refuses a local list that cannot reach the remote") {
  using netsctp::internal::CheckDialFamilies;
  struct Row {
    std::vector<const char*> local;
    std::vector<const char*> remote;
    bool ok;
  };
  const std::vector<Row> rows = {
      // Dials that can work: same family, wildcards, no local address, one usable remote.
      {{}, {"127.0.0.1"}, true},
      {{}, {"::1"}, true},
      {{"127.0.0.1"}, {"127.0.0.1"}, true},
      {{"::1"}, {"::1"}, true},
      {{"::"}, {"127.0.0.1"}, true},                 // dual-stack wildcard carries IPv4 (mapped)
      {{"0.0.0.0"}, {"::1"}, true},
      {{"::ffff:127.0.0.1"}, {"127.0.0.1"}, true},    // a mapped local is IPv4
      {{"::1", "127.0.0.1"}, {"127.0.0.1"}, true},
      {{"::1", "127.0.0.1"}, {"::1"}, true},
      {{"::1"}, {"127.0.0.1", "::1"}, true},          // one reachable remote address is enough
      {{"127.0.0.2"}, {"::1", "127.0.0.1"}, true},
      {{"fe80::1%1"}, {"2001:db8::1"}, true},         // family only: routing is the kernel's business
      // Dials that would wait out their timeout.
      {{"::1"}, {"127.0.0.1"}, false},
      {{"::1", "2001:db8::1"}, {"127.0.0.1", "10.0.0.1"}, false},
      {{"127.0.0.1"}, {"::1"}, false},
      {{"::ffff:127.0.0.1"}, {"::1"}, false},
      {{"127.0.0.1", "10.0.0.1"}, {"2001:db8::1", "::1"}, false},
  };
  for (const Row& row : rows) {
    const SctpAddr local = Addrs(row.local, 0);
    const SctpAddr remote = Addrs(row.remote, 5000);
    INFO(local.String() << " -> " << remote.String());
    Result<void> r = CheckDialFamilies(local, remote);
    CHECK(r.has_value() == row.ok);
    if (r) continue;
    CHECK(r.error() == Errc::kNoSuitableAddress);
  }
  // The message names both addresses and says why.
  Result<void> r = CheckDialFamilies(Addrs({"::1"}, 0), Addrs({"127.0.0.1"}, 5000));
  REQUIRE_FALSE(r);
  CHECK(r.error().message() ==
        "local address \"[::1]:0\" has only IPv6 addresses and remote address \"127.0.0.1:5000\" only IPv4 "
        "ones: an association needs a local IPv4 address or a wildcard: no suitable address");
  r = CheckDialFamilies(Addrs({"127.0.0.1"}, 7), Addrs({"::1"}, 5000));
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find("\"127.0.0.1:7\" has only IPv4 addresses and remote address \"[::1]:5000\" "
                                 "only IPv6 ones: an association needs a local IPv6 address") != std::string::npos);
}

TEST_CASE("LocalSystemIfWildcard picks the loopback of a family that can work") {
  using netsctp::internal::LocalSystemIfWildcard;
  const SctpAddr v6_local = Addrs({"::1"}, 0);
  const SctpAddr v4_local = Addrs({"127.0.0.2"}, 0);
  const SctpAddr any6_local = Addrs({"::"}, 0);
  struct Row {
    const char* network;
    std::vector<const char*> remote;
    const SctpAddr* local;
    const char* want;
  };
  const std::vector<Row> rows = {
      {"sctp", {}, nullptr, "127.0.0.1:9"},
      {"sctp", {"0.0.0.0"}, nullptr, "127.0.0.1:9"},
      {"sctp", {"::"}, nullptr, "[::1]:9"},
      {"sctp6", {}, nullptr, "[::1]:9"},
      {"sctp", {}, &v6_local, "[::1]:9"},       // an IPv6 local reaches ::1, not 127.0.0.1
      {"sctp", {}, &v4_local, "127.0.0.1:9"},
      {"sctp", {}, &any6_local, "127.0.0.1:9"},
      {"sctp", {"10.0.0.1"}, &v6_local, "10.0.0.1:9"},   // not a wildcard: unchanged
      {"sctp", {"0.0.0.0", "::"}, nullptr, "0.0.0.0/[::]:9"},
  };
  for (const Row& row : rows) {
    INFO(row.network << " " << Addrs(row.remote, 9).String());
    CHECK(LocalSystemIfWildcard(Addrs(row.remote, 9), row.network, row.local).String() == row.want);
  }
}

TEST_CASE("PackAddrs packs a mixed list as IPv6, IPv4 mapped, with port and scope") {
  SctpAddr addr = Addrs({"10.0.0.1", "2001:db8::1", "::1", "192.0.2.7"}, 36412);
  addr.ip_addrs.insert(addr.ip_addrs.begin() + 2, IpAddr::V6(kFe80_1, 3, "eth9"));
  Result<PackedAddrs> p = PackAddrs(addr, AF_INET6);
  REQUIRE(p);
  CHECK(p->count == 5);
  // 36412 = 0x8e3c: network order puts 0x8e first.
  const Bytes want = Concat({
      In6(Mapped(10, 0, 0, 1), 36412),
      In6(kDb8_1, 36412),
      In6(kFe80_1, 36412, 3),
      In6(kLoop6, 36412),
      In6(Mapped(192, 0, 2, 7), 36412),
  });
  REQUIRE(p->bytes.size() == 5 * 28);
  CHECK(AsBytes(p->bytes) == want);
  CHECK(std::to_integer<int>(p->bytes[2]) == 0x8e);
  CHECK(std::to_integer<int>(p->bytes[3]) == 0x3c);
}

TEST_CASE("PackAddrs packs an IPv4 list as sockaddr_in") {
  Result<PackedAddrs> p = PackAddrs(Addrs({"127.0.0.1", "10.1.2.3", "::ffff:192.0.2.9"}, 5), AF_INET);
  REQUIRE(p);
  CHECK(p->count == 3);
  CHECK(AsBytes(p->bytes) == Concat({In4({127, 0, 0, 1}, 5), In4({10, 1, 2, 3}, 5), In4({192, 0, 2, 9}, 5)}));

  Result<PackedAddrs> bad = PackAddrs(Addrs({"127.0.0.1", "::1"}, 5), AF_INET);
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == Errc::kNoSuitableAddress);
  CHECK(bad.error().message().find("\"::1\"") != std::string::npos);

  Result<PackedAddrs> unix_family = PackAddrs(Addrs({"127.0.0.1"}, 5), AF_UNIX);
  REQUIRE_FALSE(unix_family);
  CHECK(unix_family.error() == std::errc::address_family_not_supported);
}

TEST_CASE("PackAddrs packs one wildcard of the family for an empty list") {
  Result<PackedAddrs> p4 = PackAddrs(SctpAddr{{}, 8000}, AF_INET);
  REQUIRE(p4);
  CHECK(p4->count == 1);
  CHECK(AsBytes(p4->bytes) == In4({0, 0, 0, 0}, 8000));

  // "::", not "::ffff:0.0.0.0": a dual-stack listener must take IPv6 too.
  Result<PackedAddrs> p6 = PackAddrs(SctpAddr{{}, 8000}, AF_INET6);
  REQUIRE(p6);
  CHECK(p6->count == 1);
  CHECK(AsBytes(p6->bytes) == In6(kAny6, 8000));
}

TEST_CASE("UnpackAddrs walks a mixed list by each entry's own size") {
  const Bytes list = Concat({
      In4({10, 0, 0, 1}, 5000),
      In6(kDb8_1, 5000),
      In4({10, 0, 0, 2}, 5000),
      In6(Mapped(192, 0, 2, 7), 5000),
      In6(kFe80_1, 5000, 4),
  });
  REQUIRE(list.size() == 16 + 28 + 16 + 28 + 28);
  Result<SctpAddr> a = UnpackAddrs(Span(list), 5);
  REQUIRE(a);
  CHECK(a->port == 5000);
  CHECK(Strings(*a) == std::vector<std::string>{"10.0.0.1", "2001:db8::1", "10.0.0.2", "192.0.2.7", "fe80::1%4"});
  REQUIRE(a->ip_addrs.size() == 5);
  CHECK(a->ip_addrs[3].Is4());  // mapped became IPv4
  CHECK(a->ip_addrs[4].ScopeId() == 4);

  // Fewer entries than the bytes hold: the rest is ignored.
  Result<SctpAddr> two = UnpackAddrs(Span(list), 2);
  REQUIRE(two);
  CHECK(Strings(*two) == std::vector<std::string>{"10.0.0.1", "2001:db8::1"});

  Result<SctpAddr> none = UnpackAddrs({}, 0);
  REQUIRE(none);
  CHECK(none->ip_addrs.empty());
  CHECK(none->port == 0);
}

TEST_CASE("UnpackAddrs with a count far beyond its bytes fails without reserving for it") {
  const Bytes one = In4({10, 0, 0, 1}, 1);
  Result<SctpAddr> a = UnpackAddrs(Span(one), 2147483647);
  CHECK_FALSE(a.has_value());
  if (!a) CHECK(a.error() == Errc::kMalformed);
}

TEST_CASE("UnpackAddrs rejects cut-short and unknown entries") {
  const Bytes list = Concat({In4({10, 0, 0, 1}, 1), In6(kDb8_1, 1), In4({10, 0, 0, 2}, 1), In6(kLoop6, 1)});
  for (std::size_t cut = 0; cut < list.size(); ++cut) {
    INFO("first " << cut << " of " << list.size() << " bytes");
    const Bytes part(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(cut));
    Result<SctpAddr> a = UnpackAddrs(Span(part), 4);
    CHECK_FALSE(a.has_value());
    if (!a) CHECK(a.error() == Errc::kMalformed);
  }
  CHECK(UnpackAddrs(Span(list), 4).has_value());
  CHECK(UnpackAddrs(Span(list), 5).error() == Errc::kMalformed);
  CHECK(UnpackAddrs(Span(list), -1).error() == Errc::kMalformed);

  Bytes unknown = Concat({In4({10, 0, 0, 1}, 1), In4({10, 0, 0, 2}, 1)});
  const auto af_unix = static_cast<sa_family_t>(AF_UNIX);
  std::memcpy(unknown.data() + 16, &af_unix, sizeof af_unix);
  Result<SctpAddr> u = UnpackAddrs(Span(unknown), 2);
  REQUIRE_FALSE(u);
  CHECK(u.error() == Errc::kMalformed);
  CHECK(u.error().message().find("entry 2 of 2") != std::string::npos);
}

TEST_CASE("PackAddrs and UnpackAddrs round-trip") {
  SctpAddr addr = Addrs({"10.0.0.1", "2001:db8::1", "192.0.2.7"}, 3868);
  addr.ip_addrs.push_back(IpAddr::V6(kFe80_1, 6));
  Result<PackedAddrs> p = PackAddrs(addr, AF_INET6);
  REQUIRE(p);
  Result<SctpAddr> back = UnpackAddrs(p->bytes, p->count);
  REQUIRE(back);
  CHECK(*back == addr);

  const SctpAddr v4 = Addrs({"10.0.0.1", "10.0.0.2"}, 1);
  Result<PackedAddrs> p4 = PackAddrs(v4, AF_INET);
  REQUIRE(p4);
  Result<SctpAddr> back4 = UnpackAddrs(p4->bytes, p4->count);
  REQUIRE(back4);
  CHECK(*back4 == v4);
}

TEST_CASE("UnpackGetAddrs reads struct sctp_getaddrs") {
  const Bytes entries = Concat({In6(kDb8_1, 9), In4({127, 0, 0, 1}, 9)});
  Bytes buf;
  PutU32Host(buf, 0);  // assoc_id
  PutU32Host(buf, 2);  // addr_num
  REQUIRE(buf.size() == offsetof(sctp_getaddrs, addrs));
  buf.insert(buf.end(), entries.begin(), entries.end());
  Result<SctpAddr> a = UnpackGetAddrs(Span(buf));
  REQUIRE(a);
  CHECK(Strings(*a) == std::vector<std::string>{"2001:db8::1", "127.0.0.1"});
  CHECK(a->port == 9);

  // addr_num larger than the bytes can hold, and a cut header.
  Bytes lying = buf;
  const std::uint32_t huge = 0x40000000;
  std::memcpy(lying.data() + 4, &huge, 4);
  CHECK(UnpackGetAddrs(Span(lying)).error() == Errc::kMalformed);
  Bytes three = buf;
  const std::uint32_t n3 = 3;
  std::memcpy(three.data() + 4, &n3, 4);
  CHECK(UnpackGetAddrs(Span(three)).error() == Errc::kMalformed);
  CHECK(UnpackGetAddrs(Span(Bytes(buf.begin(), buf.begin() + 7))).error() == Errc::kMalformed);
}

TEST_CASE("ToSockaddr writes one address or reports it does not fit") {
  sockaddr_storage ss;
  std::memset(&ss, 0xaa, sizeof ss);
  socklen_t len = ToSockaddr(Ip("192.0.2.1"), 80, AF_INET, ss);
  REQUIRE(len == 16);
  CHECK(Bytes(reinterpret_cast<const std::uint8_t*>(&ss), reinterpret_cast<const std::uint8_t*>(&ss) + len) ==
        In4({192, 0, 2, 1}, 80));  // sin_zero cleared too

  std::memset(&ss, 0xaa, sizeof ss);
  len = ToSockaddr(Ip("192.0.2.1"), 80, AF_INET6, ss);
  REQUIRE(len == 28);
  CHECK(Bytes(reinterpret_cast<const std::uint8_t*>(&ss), reinterpret_cast<const std::uint8_t*>(&ss) + len) ==
        In6(Mapped(192, 0, 2, 1), 80));

  len = ToSockaddr(IpAddr::V6(kFe80_1, 12), 65535, AF_INET6, ss);
  REQUIRE(len == 28);
  CHECK(Bytes(reinterpret_cast<const std::uint8_t*>(&ss), reinterpret_cast<const std::uint8_t*>(&ss) + len) ==
        In6(kFe80_1, 65535, 12));

  CHECK(ToSockaddr(Ip("::1"), 80, AF_INET, ss) == 0);
  CHECK(ToSockaddr(Ip("127.0.0.1"), 80, AF_UNIX, ss) == 0);
}

TEST_CASE("ParseSockaddr sizes each entry by its family") {
  const Bytes v4 = In4({1, 2, 3, 4}, 7);
  Result<netsctp::internal::SockaddrIp> a = netsctp::internal::ParseSockaddr(Span(v4));
  REQUIRE(a);
  CHECK(a->size == 16);
  CHECK(a->port == 7);
  CHECK(a->ip.String() == "1.2.3.4");
  const Bytes v6 = In6(kFe80_1, 8, 2);
  Result<netsctp::internal::SockaddrIp> b = netsctp::internal::ParseSockaddr(Span(v6));
  REQUIRE(b);
  CHECK(b->size == 28);
  CHECK(b->ip.ScopeId() == 2);
  CHECK(netsctp::internal::ParseSockaddr(Span(Bytes(1, 2))).error() == Errc::kMalformed);
}

TEST_CASE("ParseSockaddr keeps a scope id only where it means something") {
  // Linux reports ::1 learnt from packets with scope id 1; it is not a zone.
  auto loop = netsctp::internal::ParseSockaddr(Span(In6(kLoop6, 5000, 1)));
  REQUIRE(loop.has_value());
  CHECK(loop->ip.ScopeId() == 0);
  CHECK(loop->ip.String() == "::1");
  auto global = netsctp::internal::ParseSockaddr(Span(In6(kDb8_1, 5000, 2)));
  REQUIRE(global.has_value());
  CHECK(global->ip.ScopeId() == 0);
  // Link-local addresses keep theirs.
  auto link = netsctp::internal::ParseSockaddr(Span(In6(kFe80_1, 5000, 3)));
  REQUIRE(link.has_value());
  CHECK(link->ip.ScopeId() == 3);
  CHECK(link->ip.String() == "fe80::1%3");
}
