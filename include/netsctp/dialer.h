// netsctp/dialer.h: Dialer, Dial and DialSctp, the client side.
//
// Mirrors go-sctp's Dialer. A dial creates the socket, applies InitOptions
// and subscriptions (before connect, so the client sees its own COMM_UP),
// runs the control hook, binds the local addresses if any (sctp_bindx,
// SO_REUSEADDR), then connects with sctp_connectx over every remote address
// and waits for completion with a level-triggered poll. The descriptor is
// closed on every failure.
//
// Thread safety: a Dialer is a value; one may be used from several threads
// at once. A dial in progress is cancelled through its std::stop_token.
#pragma once

#include <chrono>
#include <optional>
#include <stop_token>
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
};

// Dial with a default Dialer.
Result<SctpConn> Dial(std::string_view network, std::string_view address);
// Go's DialSCTP(network, laddr, raddr): laddr may be null.
Result<SctpConn> DialSctp(std::string_view network, const SctpAddr* laddr, const SctpAddr& raddr);

}  // namespace netsctp
