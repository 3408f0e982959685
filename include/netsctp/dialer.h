// netsctp/dialer.h: Dialer, Dial and DialSctp, the client side.
//
// Mirrors go-sctp's Dialer. A dial creates the socket, applies InitOptions
// and subscriptions (before connect, so the client sees its own COMM_UP),
// runs the control hook, binds the local addresses if any (sctp_bindx,
// SO_REUSEADDR), then connects with sctp_connectx over every remote address
// and waits for completion with a level-triggered poll. The descriptor is
// closed on every failure. The blocking dial is DialStart (returns with the
// association starting) plus a wait plus SctpConn::FinishConnect; event loops
// call those two themselves.
//
// Thread safety: a Dialer is a value; one may be used from several threads
// at once. A dial in progress is cancelled through its std::stop_token.
#pragma once

#include <chrono>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "netsctp/addr.h"
#include "netsctp/conn.h"
#include "netsctp/listener.h"
#include "netsctp/result.h"
#include "netsctp/sockopt.h"

namespace netsctp {

class Dialer {
 public:
  // Longest wait for the association to come up; zero means none (the
  // kernel's INIT retries still end it: see InitOptions::max_attempts).
  std::chrono::milliseconds timeout{0};
  // Absolute limit; the earlier of timeout and deadline wins.
  Deadline deadline = kNoDeadline;
  // Local addresses to bind (multi-homed client); nullopt lets the kernel choose.
  std::optional<SctpAddr> local_addr;
  ControlHook control;
  InitOptions init_options;
  std::vector<EventType> events;  // subscribed before connect
  bool non_blocking = false;      // the returned connection's mode

  // Connects to `address` ("h1/h2:port"); an empty or wildcard host dials
  // this host (127.0.0.1 or ::1). Port 0 is rejected (Errc::kBadPort).
  // Errors: address errors (see ResolveSctpAddr), ECONNREFUSED (no listener:
  // the peer answered with ABORT), Errc::kTimeout, Errc::kCanceled, and any
  // errno of socket/bindx/connectx, each with "dial NETWORK ADDRESS" context.
  Result<SctpConn> Dial(std::string_view network, std::string_view address, std::stop_token stop = {}) const;
  Result<SctpConn> DialSctp(std::string_view network, const SctpAddr& raddr, std::stop_token stop = {}) const;

  // The non-blocking dial, for event loops: the same set-up (InitOptions,
  // subscriptions, control hook, local binding), then connectx, and returns
  // at once with the association starting. The connection is in
  // non-blocking mode; wait until fd() reports POLLOUT (up) or POLLERR
  // (failed), then call SctpConn::FinishConnect(). `timeout` and `deadline`
  // do not apply (bound the wait in the loop; InitOptions::max_attempts and
  // max_init_timeout bound the kernel's INIT retries). Errors: those of Dial
  // that precede the connect (address, socket, bind, connectx).
  Result<SctpConn> DialStart(std::string_view network, std::string_view address) const;
  Result<SctpConn> DialSctpStart(std::string_view network, const SctpAddr& raddr) const;

 private:
  // Everything up to and including connectx; `what` is the errors' context.
  Result<SctpConn> Start(std::string_view network, const SctpAddr& raddr, const std::string& what,
                         const std::stop_token& stop) const;
};

// Dial with a default Dialer.
Result<SctpConn> Dial(std::string_view network, std::string_view address);
// Dial with a default Dialer and a time limit (Go's net.DialTimeout): fails
// with Errc::kTimeout when no association is up within `timeout` (zero: no
// limit but the kernel's INIT retries, as Dialer::timeout).
Result<SctpConn> DialTimeout(std::string_view network, std::string_view address, std::chrono::milliseconds timeout);
// Go's DialSCTP(network, laddr, raddr): laddr may be null.
Result<SctpConn> DialSctp(std::string_view network, const SctpAddr* laddr, const SctpAddr& raddr);

}  // namespace netsctp
