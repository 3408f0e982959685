// netsctp/listener.h: SctpListener and ListenConfig, the server side.
//
// Mirrors go-sctp's SCTPListener, Listen, ListenSCTP and ListenConfig.
// A listener binds every address of its SctpAddr with sctp_bindx (one
// socket, multi-homed), sets SO_REUSEADDR, and hands out one SctpConn per
// association. Event subscriptions made on the listener (or in ListenConfig)
// are inherited by accepted connections.
//
// Thread safety: Accept may block in one thread while Close() or SetDeadline()
// is called from another (Accept then fails with Errc::kClosed or
// Errc::kTimeout). Other calls on one object must not race. A moved-from or
// closed listener answers every call with std::errc::bad_file_descriptor.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "netsctp/addr.h"
#include "netsctp/conn.h"
#include "netsctp/result.h"
#include "netsctp/sockopt.h"

namespace netsctp {

// Runs on the raw descriptor after netsctp's own options and before bind
// (listen) or connect (dial). `network` is "sctp4" or "sctp6" (the family
// actually used), `address` the address string. An error aborts the call.
using ControlHook = std::function<Result<void>(std::string_view network, std::string_view address, int fd)>;

class SctpListener {
 public:
  SctpListener() noexcept;
  SctpListener(SctpListener&&) noexcept;
  SctpListener& operator=(SctpListener&&) noexcept;
  SctpListener(const SctpListener&) = delete;
  SctpListener& operator=(const SctpListener&) = delete;
  ~SctpListener();

  // Waits for the next association. Retries EINTR and ECONNABORTED.
  // Errors: Errc::kTimeout (deadline), Errc::kClosed (closed meanwhile),
  // EAGAIN in non-blocking mode, EMFILE/ENFILE.
  Result<SctpConn> Accept();
  // The bound address; with port 0 asked, the port the kernel chose.
  const SctpAddr& Addr() const noexcept;
  Result<void> BindAdd(std::string_view addresses);
  Result<void> BindAdd(const SctpAddr& addresses);
  Result<void> BindRemove(std::string_view addresses);
  Result<void> BindRemove(const SctpAddr& addresses);
  Result<void> Subscribe(std::initializer_list<EventType> events);
  Result<void> Subscribe(std::span<const EventType> events);
  Result<void> Unsubscribe(std::initializer_list<EventType> events);
  Result<void> Unsubscribe(std::span<const EventType> events);
  Result<void> SetDeadline(Deadline t);
  Result<void> SetNonBlocking(bool on);
  // Stops listening; accepted connections stay open.
  Result<void> Close();
  int fd() const noexcept;
  int Release() noexcept;

 private:
  friend class ListenConfig;
  Result<void> Bind(std::string_view addresses, int flags);
  Result<void> Bind(const SctpAddr& addresses, int flags);
  friend Result<SctpListener> ListenSctp(std::string_view network, const SctpAddr& laddr);
  std::unique_ptr<internal::FdCore> core_;
  SctpAddr addr_;
};

// Options for listening (go-sctp's ListenConfig).
class ListenConfig {
 public:
  ControlHook control;
  InitOptions init_options;
  int backlog = 4096;              // capped by net.core.somaxconn
  std::vector<EventType> events;   // subscribed before listen, inherited by accepted connections
  // SO_REUSEPORT, set before bind: several listeners (typically one per
  // thread, each with its own event loop) may then bind the same addresses
  // and port, and the kernel spreads incoming associations over them by a
  // hash of the peer's address and port. Every listener sharing the port
  // must set it, and belong to the same user. A listener that closes drops
  // the associations still waiting in its own accept queue.
  bool reuse_port = false;

  // Listens on `address` ("h1/h2:port", see ResolveSctpAddr); an empty host
  // listens on every local address, port 0 picks a free port (see Addr()).
  Result<SctpListener> Listen(std::string_view network, std::string_view address) const;
  Result<SctpListener> ListenSctp(std::string_view network, const SctpAddr& laddr) const;
};

// Listen and ListenSctp with a default ListenConfig.
Result<SctpListener> Listen(std::string_view network, std::string_view address);
Result<SctpListener> ListenSctp(std::string_view network, const SctpAddr& laddr);

}  // namespace netsctp
