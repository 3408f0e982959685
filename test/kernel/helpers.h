// Shared helpers of the kernel tests: a connected pair of SctpConn over a
// chosen network and address, message send/receive shorthands that fail the
// test with the library's error message, and printers so that Catch shows
// errors and addresses readably.
//
// Every helper asserts with REQUIRE/FAIL, so it must run on the test's own
// thread (Catch2 v2 assertions are not thread-safe): worker threads only
// record results for the test thread to check.
#pragma once

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "netsctp/addr.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/error.h"
#include "netsctp/listener.h"
#include "netsctp/result.h"

namespace Catch {
template <>
struct StringMaker<std::error_code> {
  static std::string convert(const std::error_code& e) {
    if (!e) return "success";
    return std::string(e.category().name()) + ':' + std::to_string(e.value()) + " (" + e.message() + ')';
  }
};
template <>
struct StringMaker<netsctp::Error> {
  static std::string convert(const netsctp::Error& e) {
    return StringMaker<std::error_code>::convert(e.code()) + " \"" + e.message() + '"';
  }
};
template <>
struct StringMaker<netsctp::Errc> {
  static std::string convert(netsctp::Errc e) {
    return StringMaker<std::error_code>::convert(netsctp::make_error_code(e));
  }
};
template <>
struct StringMaker<std::errc> {
  static std::string convert(std::errc e) { return StringMaker<std::error_code>::convert(std::make_error_code(e)); }
};
template <>
struct StringMaker<netsctp::IpAddr> {
  static std::string convert(const netsctp::IpAddr& a) { return a.String(); }
};
template <>
struct StringMaker<netsctp::SctpAddr> {
  static std::string convert(const netsctp::SctpAddr& a) { return a.String(); }
};
template <>
struct StringMaker<netsctp::RtoInfo> {
  static std::string convert(const netsctp::RtoInfo& r) {
    return "{initial " + std::to_string(r.initial) + ", min " + std::to_string(r.min) + ", max " +
           std::to_string(r.max) + "}";
  }
};
}  // namespace Catch

namespace ktest {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---- results

// The value of `r`, or fails the test with the call's text and the library's message.
template <typename T>
T Must(netsctp::Result<T>&& r, const char* expr, const char* file, int line) {
  if (!r.has_value()) FAIL(file << ':' << line << ": " << expr << " failed: " << r.error().message());
  return std::move(r).value();
}
inline void Must(netsctp::Result<void>&& r, const char* expr, const char* file, int line) {
  if (!r.has_value()) FAIL(file << ':' << line << ": " << expr << " failed: " << r.error().message());
}
#define MUST(...) ::ktest::Must((__VA_ARGS__), #__VA_ARGS__, __FILE__, __LINE__)

// The error of `r` as an error_code; a default (zero) code when `r` holds a value.
template <typename T>
std::error_code ErrOf(const netsctp::Result<T>& r) {
  return r.has_value() ? std::error_code{} : r.error().code();
}
// The full message ("context: reason") of a failed result, "" on success.
template <typename T>
std::string MessageOf(const netsctp::Result<T>& r) {
  return r.has_value() ? std::string{} : r.error().message();
}

// ---- bytes

inline std::span<const std::byte> Bytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}
inline std::string Text(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
// A payload whose every byte depends on its position and on `seed`, so that
// a lost, repeated or reordered piece is detected.
inline std::string Pattern(std::size_t n, unsigned seed = 0) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed + i / 26) % 26);
  return s;
}

// ---- addresses

inline netsctp::IpAddr Ip(std::string_view text) {
  auto r = netsctp::IpAddr::Parse(text);
  if (!r) FAIL("IpAddr::Parse(" << text << ") failed: " << r.error().message());
  return *r;
}
// An address as text without its zone: the kernel reports a scope id on
// some IPv6 addresses it learnt from packets (::1 arrives as ::1%1), which
// does not change which host it is.
inline std::string HostText(const netsctp::IpAddr& ip) {
  return ip.Is4() ? ip.String() : netsctp::IpAddr::V6(ip.Bytes16()).String();
}
// The hosts of `a` as sorted strings ("127.0.0.1", "::1"), for order-free comparison.
inline std::vector<std::string> Hosts(const netsctp::SctpAddr& a) {
  std::vector<std::string> v;
  for (const auto& ip : a.ip_addrs) v.push_back(HostText(ip));
  std::sort(v.begin(), v.end());
  return v;
}
inline bool HasHost(const netsctp::SctpAddr& a, std::string_view ip) {
  for (const auto& x : a.ip_addrs)
    if (HostText(x) == ip) return true;
  return false;
}
// "hosts:port", e.g. HostPort("[::1]", 5000) == "[::1]:5000".
inline std::string HostPort(std::string_view hosts, std::uint16_t port) {
  return std::string(hosts) + ':' + std::to_string(port);
}

// ---- time

inline netsctp::Deadline In(std::chrono::milliseconds d) { return Clock::now() + d; }
inline long long MsSince(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

// ---- descriptors

inline bool Readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1 && (p.revents & POLLIN) != 0;
}
inline bool CloseOnExec(int fd) {
  const int f = ::fcntl(fd, F_GETFD);
  return f >= 0 && (f & FD_CLOEXEC) != 0;
}
inline bool NonBlocking(int fd) {
  const int f = ::fcntl(fd, F_GETFL);
  return f >= 0 && (f & O_NONBLOCK) != 0;
}
inline bool FdOpen(int fd) { return ::fcntl(fd, F_GETFD) >= 0; }
inline int SocketFamily(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -1;
  return ss.ss_family;
}

// ---- connections

// A listener and both ends of one association accepted from it.
struct Pair {
  netsctp::SctpListener listener;
  netsctp::SctpConn client;
  netsctp::SctpConn server;
  std::uint16_t port = 0;
};

struct PairOptions {
  std::string listen_network = "sctp";
  std::string listen_address = "127.0.0.1:0";
  std::string dial_network = "sctp";
  std::string dial_hosts = "127.0.0.1";  // the listener's port is appended
  netsctp::ListenConfig listen_config;
  netsctp::Dialer dialer;
};

// Options that dial `hosts` over `network` (for ConnectTo).
inline PairOptions DialOptions(std::string network, std::string hosts) {
  PairOptions o;
  o.dial_network = std::move(network);
  o.dial_hosts = std::move(hosts);
  return o;
}

// Dials `dial_hosts` on the port of `listener` and accepts the association.
inline Pair ConnectTo(netsctp::SctpListener listener, const PairOptions& o) {
  Pair p;
  p.port = listener.Addr().port;
  REQUIRE(p.port != 0);
  netsctp::Dialer d = o.dialer;
  if (d.timeout == 0ms && d.deadline == netsctp::kNoDeadline) d.timeout = 10s;
  const std::string target = HostPort(o.dial_hosts, p.port);
  INFO("dial " << o.dial_network << ' ' << target);
  p.client = MUST(d.Dial(o.dial_network, target));
  MUST(listener.SetDeadline(In(10s)));
  p.server = MUST(listener.Accept());
  MUST(listener.SetDeadline(netsctp::kNoDeadline));
  p.listener = std::move(listener);
  return p;
}

// A listener on `listen_address` and one association to it from `dial_hosts`.
inline Pair Connect(const PairOptions& o = {}) {
  INFO("listen " << o.listen_network << ' ' << o.listen_address);
  netsctp::SctpListener l = MUST(o.listen_config.Listen(o.listen_network, o.listen_address));
  return ConnectTo(std::move(l), o);
}

inline Pair Connect(std::string_view listen_network, std::string_view listen_address,
                    std::string_view dial_network, std::string_view dial_hosts) {
  PairOptions o;
  o.listen_network = listen_network;
  o.listen_address = listen_address;
  o.dial_network = dial_network;
  o.dial_hosts = dial_hosts;
  return Connect(o);
}

// ---- messages

inline void Send(netsctp::SctpConn& c, std::string_view data, std::uint16_t sid = 0, std::uint32_t ppid = 0,
                 netsctp::SndFlags flags = netsctp::SndFlags::kNone) {
  netsctp::SndInfo info;
  info.sid = sid;
  info.ppid = ppid;
  info.flags = flags;
  const std::size_t n = MUST(c.WriteMsg(Bytes(data), info));
  REQUIRE(n == data.size());
}

struct Received {
  std::string data;
  netsctp::Message msg;
};

// One ReadMsg (one message or one piece of it, or a notification) within `timeout`.
inline Received RecvAny(netsctp::SctpConn& c, std::size_t bufsize = 65536, std::chrono::milliseconds timeout = 10s) {
  std::vector<std::byte> buf(bufsize);
  MUST(c.SetReadDeadline(In(timeout)));
  Received r;
  r.msg = MUST(c.ReadMsg(buf));
  MUST(c.SetReadDeadline(netsctp::kNoDeadline));
  REQUIRE(r.msg.n <= buf.size());
  r.data = Text(std::span<const std::byte>(buf.data(), r.msg.n));
  return r;
}

// The next data message (notifications skipped), read whole with ReadFullMsg.
inline Received Recv(netsctp::SctpConn& c, std::size_t bufsize = 1 << 20, std::chrono::milliseconds timeout = 10s) {
  std::vector<std::byte> buf(bufsize);
  MUST(c.SetReadDeadline(In(timeout)));
  Received r;
  for (int i = 0; i < 100; ++i) {
    r.msg = MUST(c.ReadFullMsg(buf));
    if (!r.msg.Notification()) break;
  }
  MUST(c.SetReadDeadline(netsctp::kNoDeadline));
  REQUIRE_FALSE(r.msg.Notification());
  REQUIRE(r.msg.n <= buf.size());
  r.data = Text(std::span<const std::byte>(buf.data(), r.msg.n));
  return r;
}

// The error of the next ReadMsg that is not a notification (bounded by `timeout`).
inline std::error_code ReadError(netsctp::SctpConn& c, std::chrono::milliseconds timeout = 10s) {
  std::vector<std::byte> buf(65536);
  if (!c.SetReadDeadline(In(timeout))) return std::make_error_code(std::errc::bad_file_descriptor);
  for (int i = 0; i < 100; ++i) {
    auto r = c.ReadMsg(buf);
    if (!r) return r.error().code();
    if (!r->Notification()) {
      FAIL("expected a read error, got " << r->n << " bytes of data");
    }
  }
  FAIL("expected a read error, got only notifications");
  return {};
}

// ---- the lab's network

// Runs a shell command; fails the test when it does not exit 0.
inline void Sh(const std::string& cmd) {
  INFO("sh -c '" << cmd << "'");
  const int rc = std::system(cmd.c_str());
  REQUIRE(rc == 0);
}

// Makes sure network changes made by a test (interfaces, routes, qdiscs)
// cannot touch the host: inside the lab (user-mode Linux or qemu) the whole
// kernel is private; anywhere else the process moves into a fresh network
// namespace (needs root) with `lo` up. Call it before making the sockets
// the change is for: they stay in the namespace they were made in. Returns
// the lab ("uml", "qemu") or "netns".
inline std::string PrivateNetwork() {
  const char* lab = std::getenv("SCTP_LAB");
  if (lab != nullptr && (std::string_view(lab) == "uml" || std::string_view(lab) == "qemu")) return lab;
  static bool done = false;
  if (!done) {
    INFO("this test changes the network: it needs the user-mode Linux lab or root for a private namespace");
    REQUIRE(::unshare(CLONE_NEWNET) == 0);
    Sh("ip link set lo up");
    done = true;
  }
  return "netns";
}

// Loads a kernel module unless it is loaded (the qemu lab loads the ones the
// tests need at boot): from the lab's module tree (user-mode Linux) or with
// modprobe; `rel` is the path under kernel/, e.g. "net/sched/sch_prio.ko".
inline void LoadModule(const std::string& rel) {
  const char* dir = std::getenv("SCTP_LAB_MODULES");
  std::string name = rel.substr(rel.rfind('/') + 1);
  name = name.substr(0, name.size() - 3);
  const std::string loaded = "grep -q '^" + name + " ' /proc/modules || ";
  if (dir != nullptr && *dir != '\0') {
    Sh(loaded + "insmod " + std::string(dir) + '/' + rel);
  } else {
    Sh(loaded + "modprobe " + name);
  }
}

// ---- the two-namespace topology (sctp-lab run --net a-b --net a-b)

// Fails unless the run created namespaces a and b.
inline void RequireTopology() {
  INFO("this test needs: sctp-lab run --net a-b --net a-b ...");
  REQUIRE(::access("/run/netns/a", F_OK) == 0);
  REQUIRE(::access("/run/netns/b", F_OK) == 0);
}

// The sctp-lab tool: $SCTP_LAB_TOOL, else tools/sctp-lab found from the
// current folder or the test binary's folder upwards.
inline std::string LabTool() {
  if (const char* t = std::getenv("SCTP_LAB_TOOL"); t != nullptr && *t != '\0') return t;
  std::vector<std::string> roots = {"."};
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<std::size_t>(n));
    roots.push_back(dir.substr(0, dir.rfind('/')));
  }
  for (const std::string& root : roots) {
    std::string up = root;
    for (int i = 0; i < 5; ++i, up += "/..") {
      if (::access((up + "/tools/sctp-lab").c_str(), X_OK) == 0) return up + "/tools/sctp-lab";
    }
  }
  FAIL("tools/sctp-lab not found: set SCTP_LAB_TOOL to its path");
  return {};
}

// `sctp-lab net ARGS` (e.g. "down 1"); fails the test unless it succeeds.
inline void LabNet(const std::string& args) { Sh(LabTool() + " net " + args); }

// Undoes a change to the lab's network when the test ends, however it ends:
// runs `sctp-lab net UNDO` (e.g. "up 1", "clear 2"), unless the test undid it
// itself (Dismiss). The script is found when the guard is made: a failure to
// find it fails the test there, never in the destructor.
struct NetUndo {
  std::string undo;
  std::string tool = LabTool();
  void Dismiss() { undo.clear(); }
  ~NetUndo() {
    if (!undo.empty()) (void)std::system((tool + " net " + undo + " >/dev/null 2>&1").c_str());
  }
};

// Brings a link back up when the test ends, however it ends.
struct LinkGuard {
  std::string tool;
  int link;
  ~LinkGuard() { (void)std::system((tool + " net up " + std::to_string(link) + " >/dev/null 2>&1").c_str()); }
};

// Runs `f` (returning a netsctp::Result) on a thread that joined network
// namespace `ns`, and returns its result. The network namespace is per
// thread; a socket keeps its namespace whichever thread uses it later.
template <typename F>
auto InNetns(const std::string& ns, F&& f) -> decltype(f()) {
  using R = decltype(f());
  std::optional<R> out;
  int err = 0;
  std::thread t([&] {
    const int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      err = errno;
      return;
    }
    if (::setns(fd, CLONE_NEWNET) != 0) {
      err = errno;
      ::close(fd);
      return;
    }
    ::close(fd);
    out.emplace(f());
  });
  t.join();
  if (!out) return R(netsctp::SystemError(err, "setns " + ns));
  return std::move(*out);
}

}  // namespace ktest
