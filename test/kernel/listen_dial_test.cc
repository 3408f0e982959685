// Listen, Dial, Dialer and ListenConfig against real associations: the
// address families (v4, v6, dual-stack, sctp4 with IPv4-mapped literals,
// sctp6 v6-only), dial errors (closed port, timeout to a blackholed address,
// cancellation, bad input, local and remote families that cannot meet), the
// control hook, and the listener's methods
// (Accept deadlines, Close waking Accept, BindAdd/BindRemove, Release).
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/sctp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "helpers.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/event.h"
#include "netsctp/listener.h"

using namespace ktest;
using netsctp::Errc;
using netsctp::SctpConn;
using netsctp::SctpListener;

namespace {

// Both ends see each other's addresses and ports, and a message goes each way.
void CheckPair(Pair& p, std::string_view host) {
  CHECK(p.client.RemoteAddr().port == p.port);
  CHECK(HasHost(p.client.RemoteAddr(), host));
  CHECK(p.server.LocalAddr().port == p.port);
  CHECK(p.client.LocalAddr().port != 0);
  CHECK(p.server.RemoteAddr().port == p.client.LocalAddr().port);
  CHECK(HasHost(p.server.RemoteAddr(), host));
  Send(p.client, "ping over " + std::string(host), 1, 60);
  Received r = RecvAny(p.server);
  CHECK(r.data == "ping over " + std::string(host));
  CHECK(r.msg.info.sid == 1);
  CHECK(r.msg.info.ppid == 60);
  Send(p.server, "pong", 2, 46);
  Received b = RecvAny(p.client);
  CHECK(b.data == "pong");
  CHECK(b.msg.info.ppid == 46);
}

// A sysctl's integer value (path under /proc/sys).
long ReadSysctl(const std::string& path) {
  std::ifstream f("/proc/sys/" + path);
  long v = -1;
  f >> v;
  REQUIRE(v >= 0);
  return v;
}

// A port nothing listens on: a listener's port, after it closed.
std::uint16_t ClosedPort(std::string_view address = "127.0.0.1:0") {
  SctpListener l = MUST(netsctp::Listen("sctp", address));
  const std::uint16_t port = l.Addr().port;
  MUST(l.Close());
  return port;
}

// A dummy interface that swallows everything routed to 2001:2::/32 and
// 198.18.0.0/15 (benchmarking ranges), so INITs sent there are never answered.
void Blackhole() {
  PrivateNetwork();
  Sh("ip link show bh0 >/dev/null 2>&1 || { ip link add bh0 type dummy && ip link set bh0 up && "
     "ip addr add 198.18.0.1/32 dev bh0 && ip route add 198.19.0.0/16 dev bh0 && "
     "ip -6 addr add 2001:2::1/128 dev bh0 nodad && ip -6 route add 2001:2:1::/48 dev bh0; }");
}

}  // namespace

TEST_CASE("IPv4: listen on 127.0.0.1, dial it") {
  SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  CHECK(l.Addr().port != 0);  // the port the kernel chose
  CHECK(Hosts(l.Addr()) == std::vector<std::string>{"127.0.0.1"});
  CHECK(SocketFamily(l.fd()) == AF_INET);
  CHECK(MUST(netsctp::GetOption<int>(l.fd(), SOL_SOCKET, SO_REUSEADDR)) != 0);  // listeners reuse addresses
  const std::uint16_t port = l.Addr().port;
  SctpConn c = MUST(netsctp::Dial("sctp", HostPort("127.0.0.1", port)));
  CHECK(SocketFamily(c.fd()) == AF_INET);
  // Socket set-up of a default Dial: 10/10 streams, the kernel's INIT retry
  // defaults untouched, RCVRCVINFO on.
  const sctp_initmsg im = MUST(netsctp::GetOption<sctp_initmsg>(c.fd(), IPPROTO_SCTP, SCTP_INITMSG));
  CHECK(im.sinit_num_ostreams == 10);
  CHECK(im.sinit_max_instreams == 10);
  CHECK(im.sinit_max_attempts == ReadSysctl("net/sctp/max_init_retransmits"));
  CHECK(MUST(netsctp::GetOption<int>(c.fd(), IPPROTO_SCTP, SCTP_RECVRCVINFO)) == 1);
  MUST(l.SetDeadline(In(10s)));
  SctpConn s = MUST(l.Accept());
  Pair p{std::move(l), std::move(c), std::move(s), port};
  CheckPair(p, "127.0.0.1");
  CHECK(p.client.RemoteAddr().String() == HostPort("127.0.0.1", port));
}

TEST_CASE("IPv6: listen on ::1, dial it") {
  Pair p = Connect("sctp", "[::1]:0", "sctp", "[::1]");
  CHECK(Hosts(p.listener.Addr()) == std::vector<std::string>{"::1"});
  CHECK(SocketFamily(p.listener.fd()) == AF_INET6);
  CHECK(SocketFamily(p.client.fd()) == AF_INET6);
  CheckPair(p, "::1");
  CHECK(p.client.RemoteAddr().String() == HostPort("[::1]", p.port));
}

TEST_CASE("sctp6 networks: IPv6 only") {
  Pair p = Connect("sctp6", "[::1]:0", "sctp6", "[::1]");
  CheckPair(p, "::1");
}

TEST_CASE("dual stack: a wildcard listener accepts IPv4 and IPv6 associations") {
  SctpListener l = MUST(netsctp::Listen("sctp", ":0"));
  CHECK(SocketFamily(l.fd()) == AF_INET6);
  CHECK(MUST(netsctp::GetOption<int>(l.fd(), IPPROTO_IPV6, IPV6_V6ONLY)) == 0);
  const std::uint16_t port = l.Addr().port;
  REQUIRE(port != 0);
  MUST(l.SetDeadline(In(10s)));

  SctpConn c4 = MUST(netsctp::Dial("sctp", HostPort("127.0.0.1", port)));
  SctpConn s4 = MUST(l.Accept());
  SctpConn c6 = MUST(netsctp::Dial("sctp", HostPort("[::1]", port)));
  SctpConn s6 = MUST(l.Accept());
  // The empty host dials this host.
  SctpConn ce = MUST(netsctp::Dial("sctp", HostPort("", port)));
  SctpConn se = MUST(l.Accept());

  // A wildcard listener reports the host's addresses (in the lab: lo's).
  CHECK(HasHost(l.Addr(), "127.0.0.1"));
  CHECK(HasHost(l.Addr(), "::1"));
  // An IPv4 peer on the AF_INET6 socket shows as plain IPv4, not ::ffff:127.0.0.1.
  REQUIRE(s4.RemoteAddr().ip_addrs.size() == 1);
  CHECK(s4.RemoteAddr().ip_addrs[0].Is4());
  CHECK(s4.RemoteAddr().ip_addrs[0].String() == "127.0.0.1");
  CHECK(s4.RemoteAddr().port == c4.LocalAddr().port);
  CHECK(HasHost(s6.RemoteAddr(), "::1"));
  CHECK(s6.RemoteAddr().port == c6.LocalAddr().port);
  CHECK(se.RemoteAddr().port == ce.LocalAddr().port);
  REQUIRE(ce.RemoteAddr().ip_addrs.size() == 1);
  CHECK(ce.RemoteAddr().ip_addrs[0].IsLoopback());

  Send(c4, "v4", 1, 60);
  Send(c6, "v6", 2, 60);
  Send(ce, "empty host", 3, 60);
  CHECK(RecvAny(s4).data == "v4");
  CHECK(RecvAny(s6).data == "v6");
  CHECK(RecvAny(se).data == "empty host");
}

TEST_CASE("sctp4 accepts IPv4-mapped literals as plain IPv4") {
  SctpListener l = MUST(netsctp::Listen("sctp4", "[::ffff:127.0.0.1]:0"));
  CHECK(SocketFamily(l.fd()) == AF_INET);
  REQUIRE(l.Addr().ip_addrs.size() == 1);
  CHECK(l.Addr().ip_addrs[0].Is4());
  CHECK(l.Addr().ip_addrs[0].String() == "127.0.0.1");
  PairOptions o;
  o.dial_network = "sctp4";
  o.dial_hosts = "[::ffff:127.0.0.1]";
  Pair p = ConnectTo(std::move(l), o);
  CHECK(SocketFamily(p.client.fd()) == AF_INET);
  CheckPair(p, "127.0.0.1");
  // sctp4 with a real IPv6 address is refused before any socket is made.
  CHECK(ErrOf(netsctp::Dial("sctp4", HostPort("[::1]", p.port))) == Errc::kNoSuitableAddress);
  CHECK(ErrOf(netsctp::Listen("sctp4", "[::1]:0")) == Errc::kNoSuitableAddress);
  // The IPv4 wildcard written as IPv4-mapped.
  SctpListener w = MUST(netsctp::Listen("sctp4", "[::ffff:0.0.0.0]:0"));
  CHECK(SocketFamily(w.fd()) == AF_INET);
  Pair q = ConnectTo(std::move(w), PairOptions{});
  CheckPair(q, "127.0.0.1");
}

TEST_CASE("sctp6 listens v6-only: an IPv4 dial is refused") {
  SctpListener l = MUST(netsctp::Listen("sctp6", "[::]:0"));
  CHECK(SocketFamily(l.fd()) == AF_INET6);
  CHECK(MUST(netsctp::GetOption<int>(l.fd(), IPPROTO_IPV6, IPV6_V6ONLY)) == 1);
  const std::uint16_t port = l.Addr().port;
  // IPv6 works.
  netsctp::Dialer d;
  d.timeout = 10s;
  SctpConn c6 = MUST(d.Dial("sctp6", HostPort("[::1]", port)));
  MUST(l.SetDeadline(In(10s)));
  SctpConn s6 = MUST(l.Accept());
  Send(c6, "v6 only", 1, 60);
  CHECK(RecvAny(s6).data == "v6 only");
  // IPv4 does not reach it: refused (ABORT) or, at worst, unanswered.
  netsctp::Dialer d4;
  d4.timeout = 5s;
  d4.init_options.max_attempts = 1;
  d4.init_options.max_init_timeout = 300;
  const auto t0 = Clock::now();
  auto r = d4.Dial("sctp", HostPort("127.0.0.1", port));
  INFO("dial result: " << MessageOf(r) << " after " << MsSince(t0) << " ms");
  REQUIRE_FALSE(r.has_value());
  CHECK((ErrOf(r) == std::errc::connection_refused || ErrOf(r) == Errc::kTimeout));
  // Nothing was queued on the listener.
  MUST(l.SetDeadline(In(300ms)));
  CHECK(ErrOf(l.Accept()) == Errc::kTimeout);
  // sctp6 refuses IPv4 and IPv4-mapped addresses outright.
  CHECK(ErrOf(netsctp::Dial("sctp6", HostPort("127.0.0.1", port))) == Errc::kNoSuitableAddress);
  CHECK(ErrOf(netsctp::Dial("sctp6", HostPort("[::ffff:127.0.0.1]", port))) == Errc::kNoSuitableAddress);
  CHECK(ErrOf(netsctp::Listen("sctp6", "127.0.0.1:0")) == Errc::kNoSuitableAddress);
}

TEST_CASE("a dial whose local and remote families cannot meet fails at once, saying why") {
  // A dual-stack listener: the remote end is there for either family.
  SctpListener l = MUST(netsctp::Listen("sctp", "[::]:0"));
  const std::uint16_t port = l.Addr().port;
  MUST(l.SetDeadline(In(10s)));
  netsctp::Dialer d;
  d.timeout = 10s;  // without the check, these dials wait all of it
  d.init_options.max_attempts = 2;
  d.init_options.max_init_timeout = 3000;

  SECTION("IPv6 local, IPv4 remote") {
    d.local_addr = MUST(netsctp::ResolveSctpAddr("sctp", "[::1]:0"));
    const std::string target = HostPort("127.0.0.1", port);
    const auto t0 = Clock::now();
    auto r = d.Dial("sctp", target);
    const auto ms = MsSince(t0);
    const std::string msg = MessageOf(r);
    INFO("dial result: " << msg << " after " << ms << " ms");
    REQUIRE_FALSE(r.has_value());
    CHECK(ms < 500);
    CHECK(ErrOf(r) == Errc::kNoSuitableAddress);
    CHECK(msg.find("\"[::1]:0\"") != std::string::npos);
    CHECK(msg.find(target) != std::string::npos);
    CHECK(msg.find("only IPv6 addresses") != std::string::npos);
    CHECK(msg.find("needs a local IPv4 address or a wildcard") != std::string::npos);
    // DialStart checks the same before it makes a socket.
    auto s = d.DialStart("sctp", target);
    CHECK(ErrOf(s) == Errc::kNoSuitableAddress);
    // So does DialSctp with SctpAddr values.
    netsctp::SctpAddr local = *d.local_addr;
    CHECK(ErrOf(netsctp::DialSctp("sctp", &local, MUST(netsctp::ResolveSctpAddr("sctp", target)))) ==
          Errc::kNoSuitableAddress);
  }
  SECTION("IPv4 local, IPv6 remote") {
    d.local_addr = MUST(netsctp::ResolveSctpAddr("sctp", "127.0.0.1:0"));
    const auto t0 = Clock::now();
    auto r = d.Dial("sctp", HostPort("[::1]", port));
    INFO("dial result: " << MessageOf(r) << " after " << MsSince(t0) << " ms");
    CHECK(ErrOf(r) == Errc::kNoSuitableAddress);
    CHECK(MsSince(t0) < 500);
    CHECK(MessageOf(r).find("needs a local IPv6 address") != std::string::npos);
    // An IPv4-mapped local address is IPv4 too.
    d.local_addr = MUST(netsctp::ResolveSctpAddr("sctp", "[::ffff:127.0.0.1]:0"));
    CHECK(ErrOf(d.Dial("sctp", HostPort("[::1]", port))) == Errc::kNoSuitableAddress);
  }
  SECTION("dials that can work still do") {
    struct Case {
      const char* local;
      const char* remote_host;
      const char* peer_sees;  // the client's address as the server sees it
    };
    for (const Case& c : {Case{"[::]:0", "127.0.0.1", "127.0.0.1"},            // dual-stack wildcard
                          Case{"[::ffff:127.0.0.1]:0", "127.0.0.1", "127.0.0.1"},  // mapped local
                          Case{"127.0.0.1:0", "[::ffff:127.0.0.1]", "127.0.0.1"},
                          Case{"[::1]:0", "[::1]", "::1"},
                          Case{"[::1]:0", "", "::1"},  // the local system, reached over IPv6
                          Case{"[::1]/127.0.0.1:0", "127.0.0.1", "127.0.0.1"}}) {
      INFO("local " << c.local << " remote " << c.remote_host);
      d.local_addr = MUST(netsctp::ResolveSctpAddr("sctp", c.local));
      SctpConn conn = MUST(d.Dial("sctp", HostPort(c.remote_host, port)));
      SctpConn srv = MUST(l.Accept());
      CHECK(HasHost(srv.RemoteAddr(), c.peer_sees));
      Send(conn, "across", 1, 60);
      CHECK(RecvAny(srv).data == "across");
    }
  }
}

TEST_CASE("DialTimeout connects when the peer is there") {
  auto l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  auto c = MUST(netsctp::DialTimeout("sctp", "127.0.0.1:" + std::to_string(l.Addr().port), 5s));
  MUST(l.SetDeadline(In(10s)));
  auto s = MUST(l.Accept());
  CHECK(s.RemoteAddr().port == c.LocalAddr().port);
}

TEST_CASE("dial to a closed port fails with ECONNREFUSED, with context") {
  const std::uint16_t port = ClosedPort();
  const std::string target = HostPort("127.0.0.1", port);
  const auto t0 = Clock::now();
  auto r = netsctp::Dial("sctp", target);
  CHECK(MsSince(t0) < 5000);
  REQUIRE_FALSE(r.has_value());
  CHECK(ErrOf(r) == std::errc::connection_refused);
  const std::string msg = r.error().message();
  INFO("message: " << msg);
  CHECK(msg.find("dial") != std::string::npos);
  CHECK(msg.find(target) != std::string::npos);
  // The same over IPv6.
  const std::uint16_t port6 = ClosedPort("[::1]:0");
  CHECK(ErrOf(netsctp::Dial("sctp", HostPort("[::1]", port6))) == std::errc::connection_refused);
}

TEST_CASE("dial rejects bad input before touching the network") {
  CHECK(ErrOf(netsctp::Dial("sctp", "127.0.0.1:0")) == Errc::kBadPort);
  CHECK(ErrOf(netsctp::Dial("tcp", "127.0.0.1:80")) == Errc::kUnknownNetwork);
  CHECK(ErrOf(netsctp::Dial("", "127.0.0.1:80")) == Errc::kUnknownNetwork);
  CHECK(ErrOf(netsctp::Dial("sctp", "127.0.0.1")) == Errc::kMissingPort);
  CHECK(ErrOf(netsctp::Dial("sctp", "127.0.0.1::5")) == Errc::kTooManyColons);
  CHECK(ErrOf(netsctp::Listen("udp", ":0")) == Errc::kUnknownNetwork);
  CHECK(ErrOf(netsctp::Listen("sctp", "not an address:0")) == Errc::kBadAddress);
  netsctp::SctpAddr empty;
  empty.port = 0;
  CHECK_FALSE(netsctp::DialSctp("sctp", nullptr, empty).has_value());
}

TEST_CASE("dial timeout to a blackholed address") {
  Blackhole();
  SECTION("Dialer::timeout, IPv6") {
    netsctp::Dialer d;
    d.timeout = 700ms;
    const auto t0 = Clock::now();
    auto r = d.Dial("sctp", "[2001:2:1::1]:3868");
    const auto ms = MsSince(t0);
    INFO("dial result: " << MessageOf(r) << " after " << ms << " ms");
    CHECK(ErrOf(r) == Errc::kTimeout);
    CHECK(ms >= 600);
    CHECK(ms < 4000);
  }
  SECTION("Dialer::timeout, IPv4") {
    netsctp::Dialer d;
    d.timeout = 500ms;
    const auto t0 = Clock::now();
    auto r = d.Dial("sctp4", "198.19.0.1:3868");
    const auto ms = MsSince(t0);
    INFO("dial result: " << MessageOf(r) << " after " << ms << " ms");
    CHECK(ErrOf(r) == Errc::kTimeout);
    CHECK(ms >= 400);
    CHECK(ms < 4000);
    CHECK(r.error().message().find("198.19.0.1") != std::string::npos);
  }
  SECTION("Dialer::deadline, the earlier of timeout and deadline wins") {
    netsctp::Dialer d;
    d.timeout = 30s;
    d.deadline = In(600ms);
    const auto t0 = Clock::now();
    auto r = d.Dial("sctp", "198.19.0.2:3868");
    const auto ms = MsSince(t0);
    INFO("dial result: " << MessageOf(r) << " after " << ms << " ms");
    CHECK(ErrOf(r) == Errc::kTimeout);
    CHECK(ms >= 500);
    CHECK(ms < 4000);
    d.timeout = 500ms;
    d.deadline = In(30s);
    const auto t1 = Clock::now();
    auto r2 = d.Dial("sctp", "198.19.0.2:3868");
    CHECK(ErrOf(r2) == Errc::kTimeout);
    CHECK(MsSince(t1) < 4000);
  }
  SECTION("the free DialTimeout, as Go's net.DialTimeout") {
    const auto t0 = Clock::now();
    auto r = netsctp::DialTimeout("sctp", "198.19.0.5:3868", 500ms);
    const auto ms = MsSince(t0);
    INFO("dial result: " << MessageOf(r) << " after " << ms << " ms");
    CHECK(ErrOf(r) == Errc::kTimeout);
    CHECK(ms >= 400);
    CHECK(ms < 4000);
  }
  SECTION("a deadline already past fails at once") {
    netsctp::Dialer d;
    d.deadline = Clock::now() - 1s;
    const auto t0 = Clock::now();
    auto r = d.Dial("sctp", "198.19.0.3:3868");
    CHECK(ErrOf(r) == Errc::kTimeout);
    CHECK(MsSince(t0) < 1000);
  }
  SECTION("the kernel's INIT retries end a dial without timeout") {
    netsctp::Dialer d;
    d.init_options.max_attempts = 1;
    d.init_options.max_init_timeout = 200;
    const auto t0 = Clock::now();
    auto r = d.Dial("sctp", "198.19.0.4:3868");
    const auto ms = MsSince(t0);
    INFO("dial result: " << MessageOf(r) << " after " << ms << " ms");
    CHECK_FALSE(r.has_value());
    CHECK(ms < 10000);
  }
}

TEST_CASE("a dial is cancelled through its stop token") {
  Blackhole();
  SECTION("stop requested while the dial waits") {
    netsctp::Dialer d;
    d.timeout = 20s;
    std::stop_source stop;
    std::thread t([&] {
      std::this_thread::sleep_for(400ms);
      stop.request_stop();
    });
    const auto t0 = Clock::now();
    auto r = d.Dial("sctp", "198.19.0.5:3868", stop.get_token());
    const auto ms = MsSince(t0);
    t.join();
    INFO("dial result: " << MessageOf(r) << " after " << ms << " ms");
    CHECK(ErrOf(r) == Errc::kCanceled);
    CHECK(ms >= 300);
    CHECK(ms < 4000);
  }
  SECTION("stop requested before the dial") {
    std::stop_source stop;
    stop.request_stop();
    netsctp::Dialer d;
    d.timeout = 20s;
    const auto t0 = Clock::now();
    auto r = d.Dial("sctp", "198.19.0.6:3868", stop.get_token());
    CHECK(ErrOf(r) == Errc::kCanceled);
    CHECK(MsSince(t0) < 1000);
  }
  SECTION("DialSctp with a stop token that never fires connects") {
    SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
    std::stop_source stop;
    netsctp::Dialer d;
    d.timeout = 10s;
    SctpConn c = MUST(d.DialSctp("sctp", l.Addr(), stop.get_token()));
    MUST(l.SetDeadline(In(10s)));
    SctpConn s = MUST(l.Accept());
    Send(c, "not cancelled", 1, 60);
    CHECK(RecvAny(s).data == "not cancelled");
  }
}

TEST_CASE("DialSctp and ListenSctp take SctpAddr values") {
  netsctp::SctpAddr la;
  la.ip_addrs.push_back(Ip("127.0.0.1"));
  SctpListener l = MUST(netsctp::ListenSctp("sctp", la));
  CHECK(l.Addr().port != 0);
  CHECK(Hosts(l.Addr()) == std::vector<std::string>{"127.0.0.1"});
  netsctp::SctpAddr ra = l.Addr();
  // Go's DialSCTP(network, nil, raddr).
  SctpConn c1 = MUST(netsctp::DialSctp("sctp", nullptr, ra));
  // With a local address: the connection uses it.
  netsctp::SctpAddr local;
  local.ip_addrs.push_back(Ip("127.0.0.2"));
  SctpConn c2 = MUST(netsctp::DialSctp("sctp", &local, ra));
  CHECK(Hosts(c2.LocalAddr()) == std::vector<std::string>{"127.0.0.2"});
  MUST(l.SetDeadline(In(10s)));
  SctpConn s1 = MUST(l.Accept());
  SctpConn s2 = MUST(l.Accept());
  CHECK(s1.RemoteAddr().port == c1.LocalAddr().port);
  CHECK(Hosts(s2.RemoteAddr()) == std::vector<std::string>{"127.0.0.2"});
  Send(c1, "one", 1, 60);
  Send(c2, "two", 1, 60);
  CHECK(RecvAny(s1).data == "one");
  CHECK(RecvAny(s2).data == "two");
  // ListenConfig::ListenSctp.
  netsctp::ListenConfig lc;
  lc.init_options.num_ostreams = 4;
  netsctp::SctpAddr la6;
  la6.ip_addrs.push_back(Ip("::1"));
  SctpListener l6 = MUST(lc.ListenSctp("sctp", la6));
  Pair p = ConnectTo(std::move(l6), DialOptions("sctp", "[::1]"));
  CHECK(MUST(p.server.Status()).out_streams == 4);
}

TEST_CASE("the control hook runs on the raw descriptor before connect and listen") {
  SECTION("dial: called once, with the family used, the address and the fd; its options stick") {
    SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
    netsctp::Dialer d;
    d.timeout = 10s;
    int calls = 0;
    std::string net;
    std::string addr;
    int hook_fd = -1;
    d.control = [&](std::string_view n, std::string_view a, int fd) -> netsctp::Result<void> {
      ++calls;
      net = n;
      addr = a;
      hook_fd = fd;
      // SCTP_CONTEXT set before connect becomes the association's context.
      sctp_assoc_value v{};
      v.assoc_value = 4242;
      return netsctp::SetOption(fd, IPPROTO_SCTP, SCTP_CONTEXT, v);
    };
    const std::string target = HostPort("127.0.0.1", l.Addr().port);
    SctpConn c = MUST(d.Dial("sctp", target));
    CHECK(calls == 1);
    CHECK(net == "sctp4");
    CHECK(addr.find("127.0.0.1") != std::string::npos);
    CHECK(hook_fd == c.fd());
    CHECK(MUST(c.GetContext()) == 4242);
    MUST(l.SetDeadline(In(10s)));
    SctpConn s = MUST(l.Accept());
    Send(s, "ctx", 1, 60);
    CHECK(RecvAny(c).msg.info.context == 4242);
  }
  SECTION("dial: an error from the hook aborts the dial, nothing connects") {
    SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
    netsctp::Dialer d;
    d.timeout = 10s;
    int hook_fd = -1;
    d.control = [&](std::string_view, std::string_view, int fd) -> netsctp::Result<void> {
      hook_fd = fd;
      return std::errc::operation_not_permitted;
    };
    auto r = d.Dial("sctp", HostPort("127.0.0.1", l.Addr().port));
    CHECK(ErrOf(r) == std::errc::operation_not_permitted);
    CHECK(hook_fd >= 0);
    CHECK_FALSE(FdOpen(hook_fd));  // the descriptor was closed
    MUST(l.SetDeadline(In(300ms)));
    CHECK(ErrOf(l.Accept()) == Errc::kTimeout);
  }
  SECTION("listen: called with sctp6 for an IPv6 address; an error aborts") {
    netsctp::ListenConfig lc;
    std::string net;
    int hook_fd = -1;
    lc.control = [&](std::string_view n, std::string_view, int fd) -> netsctp::Result<void> {
      net = n;
      hook_fd = fd;
      return {};
    };
    SctpListener l = MUST(lc.Listen("sctp", "[::1]:0"));
    CHECK(net == "sctp6");
    CHECK(hook_fd == l.fd());
    lc.control = [](std::string_view, std::string_view, int) -> netsctp::Result<void> {
      return std::errc::permission_denied;
    };
    CHECK(ErrOf(lc.Listen("sctp", "127.0.0.1:0")) == std::errc::permission_denied);
  }
}

TEST_CASE("ListenConfig backlog and a series of associations") {
  netsctp::ListenConfig lc;
  lc.backlog = 16;
  SctpListener l = MUST(lc.Listen("sctp", "127.0.0.1:0"));
  const std::uint16_t port = l.Addr().port;
  MUST(l.SetDeadline(In(20s)));
  for (int i = 0; i < 10; ++i) {
    SctpConn c = MUST(netsctp::Dial("sctp", HostPort("127.0.0.1", port)));
    SctpConn s = MUST(l.Accept());
    Send(c, "assoc " + std::to_string(i), 1, 60);
    CHECK(RecvAny(s).data == "assoc " + std::to_string(i));
    CHECK(s.RemoteAddr().port == c.LocalAddr().port);
  }
}

TEST_CASE("Dialer::non_blocking gives a connection in non-blocking mode") {
  SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  netsctp::Dialer d;
  d.timeout = 10s;
  d.non_blocking = true;
  SctpConn c = MUST(d.Dial("sctp", HostPort("127.0.0.1", l.Addr().port)));
  std::vector<std::byte> buf(64);
  CHECK(ErrOf(c.ReadMsg(buf)) == std::errc::resource_unavailable_try_again);
  MUST(l.SetDeadline(In(10s)));
  SctpConn s = MUST(l.Accept());
  Send(s, "nb", 1, 60);
  REQUIRE(Readable(c.fd(), 5s));
  netsctp::Message m = MUST(c.ReadMsg(buf));
  CHECK(Text(std::span<const std::byte>(buf.data(), m.n)) == "nb");
}

TEST_CASE("Accept deadlines: past, future, and changed while waiting") {
  SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  MUST(l.SetDeadline(Clock::now() - 1s));
  auto t0 = Clock::now();
  CHECK(ErrOf(l.Accept()) == Errc::kTimeout);
  CHECK(MsSince(t0) < 500);
  // Past deadline even with an association waiting.
  SctpConn c = MUST(netsctp::Dial("sctp", HostPort("127.0.0.1", l.Addr().port)));
  REQUIRE(Readable(l.fd(), 5s));
  CHECK(ErrOf(l.Accept()) == Errc::kTimeout);
  MUST(l.SetDeadline(netsctp::kNoDeadline));
  SctpConn s = MUST(l.Accept());
  CHECK(s.RemoteAddr().port == c.LocalAddr().port);

  MUST(l.SetDeadline(In(300ms)));
  t0 = Clock::now();
  CHECK(ErrOf(l.Accept()) == Errc::kTimeout);
  auto ms = MsSince(t0);
  CHECK(ms >= 250);
  CHECK(ms < 3000);

  MUST(l.SetDeadline(netsctp::kNoDeadline));
  std::atomic<bool> set_ok{false};
  std::thread t([&] {
    std::this_thread::sleep_for(300ms);
    set_ok = l.SetDeadline(In(100ms)).has_value();
  });
  t0 = Clock::now();
  auto r = l.Accept();
  ms = MsSince(t0);
  t.join();
  CHECK(set_ok);
  CHECK(ErrOf(r) == Errc::kTimeout);
  CHECK(ms >= 350);
  CHECK(ms < 3000);
}

TEST_CASE("Close from another thread wakes a blocked Accept with kClosed") {
  SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  const std::uint16_t port = l.Addr().port;
  std::atomic<bool> closed_ok{false};
  std::thread t([&] {
    std::this_thread::sleep_for(300ms);
    closed_ok = l.Close().has_value();
  });
  const auto t0 = Clock::now();
  auto r = l.Accept();
  const auto ms = MsSince(t0);
  t.join();
  CHECK(closed_ok);
  CHECK(ErrOf(r) == Errc::kClosed);
  CHECK(ms >= 250);
  CHECK(ms < 3000);
  CHECK(l.fd() == -1);
  // The port is free: dialing it is refused.
  CHECK(ErrOf(netsctp::Dial("sctp", HostPort("127.0.0.1", port))) == std::errc::connection_refused);
}

TEST_CASE("closing a listener leaves accepted connections open") {
  Pair p = Connect();
  MUST(p.listener.Close());
  Send(p.client, "still here", 1, 60);
  CHECK(RecvAny(p.server).data == "still here");
  Send(p.server, "me too", 1, 60);
  CHECK(RecvAny(p.client).data == "me too");
}

TEST_CASE("a non-blocking listener returns EAGAIN from Accept") {
  SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  MUST(l.SetNonBlocking(true));
  const auto t0 = Clock::now();
  CHECK(ErrOf(l.Accept()) == std::errc::resource_unavailable_try_again);
  CHECK(MsSince(t0) < 500);
  SctpConn c = MUST(netsctp::Dial("sctp", HostPort("127.0.0.1", l.Addr().port)));
  REQUIRE(Readable(l.fd(), 5s));
  SctpConn s = MUST(l.Accept());
  CHECK(s.RemoteAddr().port == c.LocalAddr().port);
  MUST(l.SetNonBlocking(false));
  MUST(l.SetDeadline(In(200ms)));
  CHECK(ErrOf(l.Accept()) == Errc::kTimeout);
}

TEST_CASE("listener BindAdd and BindRemove show in Addr and take effect") {
  SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  const std::uint16_t port = l.Addr().port;
  MUST(l.BindAdd("127.0.0.2"));
  CHECK(Hosts(l.Addr()) == std::vector<std::string>{"127.0.0.1", "127.0.0.2"});
  CHECK(l.Addr().port == port);
  // Associations to the added address are accepted.
  Pair p = ConnectTo(std::move(l), DialOptions("sctp", "127.0.0.2"));
  CHECK(HasHost(p.client.RemoteAddr(), "127.0.0.2"));
  // The SctpAddr form, with the same port.
  netsctp::SctpAddr three;
  three.ip_addrs.push_back(Ip("127.0.0.3"));
  three.port = port;
  MUST(p.listener.BindAdd(three));
  CHECK(Hosts(p.listener.Addr()) == std::vector<std::string>{"127.0.0.1", "127.0.0.2", "127.0.0.3"});
  // A different port is refused.
  CHECK_FALSE(p.listener.BindAdd(HostPort("127.0.0.4", static_cast<std::uint16_t>(port + 1))).has_value());
  MUST(p.listener.BindRemove("127.0.0.2"));
  CHECK(Hosts(p.listener.Addr()) == std::vector<std::string>{"127.0.0.1", "127.0.0.3"});
  MUST(p.listener.BindRemove(three));
  CHECK(Hosts(p.listener.Addr()) == std::vector<std::string>{"127.0.0.1"});
  // 127.0.0.2 is no longer served.
  netsctp::Dialer d;
  d.timeout = 5s;
  d.init_options.max_attempts = 1;
  d.init_options.max_init_timeout = 300;
  auto r = d.Dial("sctp", HostPort("127.0.0.2", port));
  CHECK_FALSE(r.has_value());
  // The last address cannot be removed.
  CHECK_FALSE(p.listener.BindRemove("127.0.0.1").has_value());
}

TEST_CASE("listener Release hands over the descriptor; empty listeners answer EBADF") {
  SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  const std::uint16_t port = l.Addr().port;
  CHECK(CloseOnExec(l.fd()));
  const int fd = l.Release();
  REQUIRE(fd >= 0);
  CHECK(l.fd() == -1);
  CHECK(l.Release() == -1);
  // The released descriptor still listens.
  SctpConn c = MUST(netsctp::Dial("sctp", HostPort("127.0.0.1", port)));
  REQUIRE(Readable(fd, 5s));
  const int afd = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
  REQUIRE(afd >= 0);
  SctpConn s = MUST(SctpConn::Adopt(afd));
  Send(c, "through a released listener", 1, 60);
  CHECK(RecvAny(s).data == "through a released listener");
  ::close(fd);

  const auto ebadf = std::errc::bad_file_descriptor;
  netsctp::SctpAddr a;
  a.ip_addrs.push_back(Ip("127.0.0.2"));
  auto check_empty = [&](SctpListener& e) {
    CHECK(e.fd() == -1);
    CHECK(e.Release() == -1);
    CHECK(ErrOf(e.Accept()) == ebadf);
    CHECK(ErrOf(e.BindAdd("127.0.0.2")) == ebadf);
    CHECK(ErrOf(e.BindAdd(a)) == ebadf);
    CHECK(ErrOf(e.BindRemove("127.0.0.2")) == ebadf);
    CHECK(ErrOf(e.BindRemove(a)) == ebadf);
    CHECK(ErrOf(e.Subscribe(std::span<const netsctp::EventType>{})) == ebadf);
    CHECK(ErrOf(e.Unsubscribe(std::span<const netsctp::EventType>{})) == ebadf);
    CHECK(ErrOf(e.SetDeadline(In(1s))) == ebadf);
    CHECK(ErrOf(e.SetNonBlocking(true)) == ebadf);
    CHECK(ErrOf(e.Close()) == ebadf);
  };
  check_empty(l);  // released
  SctpListener d;
  check_empty(d);  // default-constructed
  SctpListener m = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  SctpListener target(std::move(m));
  check_empty(m);  // moved-from
  CHECK(target.fd() >= 0);
  SctpListener assigned;
  assigned = std::move(target);
  check_empty(target);
  MUST(assigned.Close());
  check_empty(assigned);  // closed
}

TEST_CASE("DialStart returns at once; FinishConnect completes the association once the descriptor is writable") {
  SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1/127.0.0.2:0"));
  netsctp::Dialer d;
  d.events = {netsctp::EventType::kAssocChange};  // subscribed before the INIT goes out
  d.local_addr = MUST(netsctp::ResolveSctpAddr("sctp", "127.0.0.2:0"));
  d.init_options.num_ostreams = 5;
  SctpConn c = MUST(d.DialStart("sctp", HostPort("127.0.0.1", l.Addr().port)));
  CHECK(NonBlocking(c.fd()));
  CHECK(CloseOnExec(c.fd()));
  pollfd p{c.fd(), POLLOUT, 0};
  REQUIRE(::poll(&p, 1, 10000) == 1);
  CHECK((p.revents & POLLOUT) != 0);
  MUST(c.FinishConnect());
  MUST(c.FinishConnect());  // already up: nothing more to do
  CHECK(Hosts(c.LocalAddr()) == std::vector<std::string>{"127.0.0.2"});
  CHECK(HasHost(c.RemoteAddr(), "127.0.0.1"));
  CHECK(HasHost(c.RemoteAddr(), "127.0.0.2"));
  CHECK(MUST(c.Status()).out_streams == 5);
  // The client's own COMM_UP, thanks to the subscription before connect.
  std::vector<std::byte> buf(4096);
  REQUIRE(Readable(c.fd(), 5s));
  auto in = MUST(c.ReadMsgOrEvent(buf));
  REQUIRE(in.IsEvent());
  const auto* up = std::get_if<netsctp::AssocChangeEvent>(&*in.event);
  REQUIRE(up != nullptr);
  CHECK(up->state == netsctp::AssocChangeState::kCommUp);
  MUST(l.SetDeadline(In(10s)));
  SctpConn s = MUST(l.Accept());
  Send(c, "started without blocking", 3, 18);
  const Received r = Recv(s);
  CHECK(r.data == "started without blocking");
  CHECK(r.msg.info.sid == 3);
  CHECK(r.msg.info.ppid == 18);
}

TEST_CASE("DialStart to a port with no listener: POLLERR, then FinishConnect says ECONNREFUSED and where") {
  std::uint16_t port = 0;
  {
    SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
    port = l.Addr().port;
  }
  SctpConn c = MUST(netsctp::Dialer{}.DialStart("sctp", HostPort("127.0.0.1", port)));
  pollfd p{c.fd(), POLLOUT, 0};
  REQUIRE(::poll(&p, 1, 10000) == 1);
  CHECK((p.revents & POLLERR) != 0);
  auto r = c.FinishConnect();
  CHECK(ErrOf(r) == std::errc::connection_refused);
  CHECK(MessageOf(r).find("dial 127.0.0.1:" + std::to_string(port)) != std::string::npos);
}

TEST_CASE("DialStart to a blackholed address stays in progress: EAGAIN, no readiness, Close ends it") {
  Blackhole();
  SctpConn c = MUST(netsctp::Dialer{}.DialStart("sctp", "198.19.0.7:3868"));
  CHECK(ErrOf(c.FinishConnect()) == std::errc::resource_unavailable_try_again);
  pollfd p{c.fd(), POLLOUT, 0};
  CHECK(::poll(&p, 1, 300) == 0);
  CHECK(ErrOf(c.FinishConnect()) == std::errc::resource_unavailable_try_again);
  MUST(c.Close());
  CHECK(ErrOf(c.FinishConnect()) == std::errc::bad_file_descriptor);
}

TEST_CASE("fifty dials started at once and completed from one epoll loop") {
  constexpr int kDials = 50;
  SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  MUST(l.SetNonBlocking(true));
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  REQUIRE(ep >= 0);
  std::vector<SctpConn> clients;
  for (int i = 0; i < kDials; ++i) {
    clients.push_back(MUST(netsctp::Dialer{}.DialStart("sctp", HostPort("127.0.0.1", l.Addr().port))));
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u32 = static_cast<std::uint32_t>(i);
    REQUIRE(::epoll_ctl(ep, EPOLL_CTL_ADD, clients.back().fd(), &ev) == 0);
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = kDials;  // the listener
  REQUIRE(::epoll_ctl(ep, EPOLL_CTL_ADD, l.fd(), &ev) == 0);
  std::vector<SctpConn> servers;
  int up = 0;
  const auto t0 = Clock::now();
  while ((up < kDials || static_cast<int>(servers.size()) < kDials) && MsSince(t0) < 30000) {
    epoll_event out[16];
    const int n = ::epoll_wait(ep, out, 16, 1000);
    for (int k = 0; k < n; ++k) {
      const std::uint32_t i = out[k].data.u32;
      if (i == kDials) {
        for (;;) {
          auto s = l.Accept();
          if (!s) break;
          servers.push_back(std::move(*s));
        }
        continue;
      }
      auto r = clients[i].FinishConnect();
      if (!r && r.error() == std::errc::resource_unavailable_try_again) continue;
      CHECK(r.has_value());
      ++up;
      REQUIRE(::epoll_ctl(ep, EPOLL_CTL_DEL, clients[i].fd(), nullptr) == 0);
    }
  }
  ::close(ep);
  REQUIRE(up == kDials);
  REQUIRE(static_cast<int>(servers.size()) == kDials);
  for (std::size_t i = 0; i < clients.size(); ++i) {
    MUST(clients[i].SetNonBlocking(false));
    Send(clients[i], "hello " + std::to_string(i), 1, 60);
  }
  // Every accepted association got exactly one of the fifty greetings.
  std::vector<std::string> got;
  for (auto& s : servers) got.push_back(Recv(s).data);
  std::sort(got.begin(), got.end());
  std::vector<std::string> want;
  for (int i = 0; i < kDials; ++i) want.push_back("hello " + std::to_string(i));
  std::sort(want.begin(), want.end());
  CHECK(got == want);
}
