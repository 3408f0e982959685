// ListenConfig::reuse_port: listeners that all set it share one port and the
// kernel spreads incoming associations over them; without it, a second
// listener on a taken port fails with EADDRINUSE, as before.
//
// Run: tools/sctp-lab run -- reuse_port_test -r cases
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "helpers.h"
#include "netsctp/dialer.h"
#include "netsctp/listener.h"

using namespace ktest;

TEST_CASE("reuse_port: two listeners share a port, associations are spread over both, each is served") {
  netsctp::ListenConfig lc;
  lc.reuse_port = true;
  netsctp::SctpListener a = MUST(lc.Listen("sctp", "127.0.0.1:0"));
  const std::string addr = a.Addr().String();
  netsctp::SctpListener b = MUST(lc.Listen("sctp", addr));
  REQUIRE(b.Addr().port == a.Addr().port);

  // The kernel picks a listener by a hash of the peer's address and port:
  // 40 associations from 40 ports land on both (all on one: about 2^-39).
  constexpr int kAssocs = 40;
  std::vector<netsctp::SctpConn> clients;
  for (int i = 0; i < kAssocs; ++i) clients.push_back(MUST(netsctp::Dial("sctp", addr)));
  MUST(a.SetNonBlocking(true));
  MUST(b.SetNonBlocking(true));
  int on_a = 0, on_b = 0;
  std::vector<netsctp::SctpConn> served;
  const auto end = In(10s);
  while (on_a + on_b < kAssocs && Clock::now() < end) {
    bool any = false;
    for (auto* l : {&a, &b}) {
      auto c = l->Accept();
      if (!c) {
        REQUIRE(c.error() == std::errc::resource_unavailable_try_again);
        continue;
      }
      any = true;
      ++(l == &a ? on_a : on_b);
      served.push_back(std::move(*c));
    }
    if (!any) std::this_thread::sleep_for(10ms);
  }
  INFO("on the first listener " << on_a << ", on the second " << on_b);
  CHECK(on_a + on_b == kAssocs);
  CHECK(on_a > 0);
  CHECK(on_b > 0);
  // Every association works whichever listener took it.
  for (int i = 0; i < kAssocs; ++i) Send(clients[static_cast<std::size_t>(i)], "ping " + std::to_string(i));
  std::vector<std::string> got;
  for (auto& s : served) got.push_back(Recv(s).data);
  std::sort(got.begin(), got.end());
  std::vector<std::string> want;
  for (int i = 0; i < kAssocs; ++i) want.push_back("ping " + std::to_string(i));
  std::sort(want.begin(), want.end());
  CHECK(got == want);
}

TEST_CASE("without reuse_port on every listener, a second listen on a taken port fails with EADDRINUSE") {
  netsctp::SctpListener first = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  const std::string addr = first.Addr().String();
  auto plain = netsctp::Listen("sctp", addr);
  CHECK(ErrOf(plain) == std::errc::address_in_use);
  netsctp::ListenConfig lc;
  lc.reuse_port = true;
  // The first listener did not agree to share.
  auto joining = lc.Listen("sctp", addr);
  CHECK(ErrOf(joining) == std::errc::address_in_use);
  CHECK(MessageOf(joining).find("listen sctp") != std::string::npos);
}
