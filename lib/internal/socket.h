// The single socket set-up path shared by Listen and Dial, and the kernel
// address-list queries. Every descriptor is born close-on-exec and
// non-blocking, and is closed on every error (UniqueFd).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "internal/sockaddr.h"
#include "netsctp/addr.h"
#include "netsctp/listener.h"
#include "netsctp/result.h"
#include "netsctp/sockopt.h"

namespace netsctp::internal {

// Owns a descriptor until Release().
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~UniqueFd() { Reset(); }
  int get() const noexcept { return fd_; }
  int Release() noexcept { return std::exchange(fd_, -1); }

 private:
  void Reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_;
};

struct SocketSpec {
  SocketFamily family;
  const InitOptions& init;
  std::span<const EventType> events;
  const ControlHook& control;
  std::string_view address;  // for the control hook
  int type = SOCK_STREAM;    // SOCK_STREAM (one-to-one) or SOCK_SEQPACKET (one-to-many)
};

// socket -> v6only -> INITMSG -> buffers -> RECVRCVINFO -> NODELAY -> events
// -> adaptation layer -> control hook. Errors carry the failing step.
Result<UniqueFd> OpenSocket(const SocketSpec& spec);

// sctp_bindx of every address in `addr` (a wildcard when it has none).
Result<void> BindAddrs(int fd, const SctpAddr& addr, int family, int flags);
// BindAdd/BindRemove: sctp_bindx of `addr` (its port, or `bound_port` when
// it has none) with `flags`, then the local addresses as they now stand.
Result<SctpAddr> Rebind(int fd, const SctpAddr& addr, std::uint16_t bound_port, int flags);
// The string form of BindAdd/BindRemove: "h1/h2" (no port, as in go-sctp) or
// "h1/h2:port".
Result<SctpAddr> ResolveBindAddrs(std::string_view addresses);

// SO_REUSEADDR on.
Result<void> ReuseAddr(int fd);
// One SCTP_EVENT per type, for association `assoc_id` (0: the only one of a
// one-to-one socket, or the future ones of a one-to-many socket).
Result<void> SetEvents(int fd, std::span<const EventType> events, bool on, std::int32_t assoc_id = 0);

// The association's local or peer addresses as the kernel reports them
// (SCTP_GET_LOCAL_ADDRS / SCTP_GET_PEER_ADDRS), any number of them; assoc_id
// as for SetEvents (local addresses of id 0 are the socket's bound ones).
Result<SctpAddr> LocalAddrs(int fd, std::int32_t assoc_id = 0);
Result<SctpAddr> PeerAddrs(int fd, std::int32_t assoc_id = 0);

// The socket's family (AF_INET or AF_INET6).
int SocketFamilyOf(int fd) noexcept;

}  // namespace netsctp::internal
