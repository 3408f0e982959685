#include "internal/socket.h"

#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

namespace netsctp::internal {
namespace {

template <typename T>
Result<void> Set(int fd, int level, int name, const T& v, const char* what) {
  if (::setsockopt(fd, level, name, &v, sizeof v) != 0) return SystemError(errno, what);
  return {};
}

Result<void> SetBuffer(int fd, int force_name, int name, int bytes, const char* what) {
  if (bytes <= 0) return {};
  // The FORCE variants pass the rmem_max/wmem_max caps but need CAP_NET_ADMIN.
  if (::setsockopt(fd, SOL_SOCKET, force_name, &bytes, sizeof bytes) == 0) return {};
  return Set(fd, SOL_SOCKET, name, bytes, what);
}

Result<SctpAddr> GetAddrs(int fd, int name, std::int32_t assoc_id, const char* what) {
  std::vector<std::byte> buf(4096);
  for (;;) {
    sctp_getaddrs head{};
    head.assoc_id = assoc_id;
    std::memcpy(buf.data(), &head, sizeof head);
    socklen_t len = static_cast<socklen_t>(buf.size());
    if (::getsockopt(fd, IPPROTO_SCTP, name, buf.data(), &len) == 0) {
      std::memcpy(&head, buf.data(), sizeof head);
      // The kernel reports the length of the address list alone, without
      // the sctp_getaddrs header in front of it.
      auto list = std::span<const std::byte>(buf).subspan(sizeof head, std::min<std::size_t>(len, buf.size() - sizeof head));
      auto addrs = UnpackAddrs(list, static_cast<int>(head.addr_num));
      if (!addrs) return addrs.error().WithContext(what);
      return addrs;
    }
    if (errno != ENOMEM || buf.size() >= (1u << 20)) return SystemError(errno, what);
    buf.resize(buf.size() * 2);
  }
}

}  // namespace

Result<UniqueFd> OpenSocket(const SocketSpec& spec) {
  const int family = spec.family.family;
  UniqueFd fd(::socket(family, spec.type | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_SCTP));
  if (fd.get() < 0) return SystemError(errno, "socket");
  const int on = 1;
  if (family == AF_INET6) {
    const int v6only = spec.family.v6only ? 1 : 0;
    if (auto r = Set(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, v6only, "setsockopt IPV6_V6ONLY"); !r) return r.error();
  }
  sctp_initmsg init{};
  init.sinit_num_ostreams = spec.init.num_ostreams;
  init.sinit_max_instreams = spec.init.max_instreams;
  init.sinit_max_attempts = spec.init.max_attempts;
  init.sinit_max_init_timeo = spec.init.max_init_timeout;
  if (auto r = Set(fd.get(), IPPROTO_SCTP, SCTP_INITMSG, init, "setsockopt SCTP_INITMSG"); !r) return r.error();
  if (auto r = SetBuffer(fd.get(), SO_RCVBUFFORCE, SO_RCVBUF, spec.init.socket_read_buffer_size, "setsockopt SO_RCVBUF");
      !r) {
    return r.error();
  }
  if (auto r = SetBuffer(fd.get(), SO_SNDBUFFORCE, SO_SNDBUF, spec.init.socket_write_buffer_size,
                         "setsockopt SO_SNDBUF");
      !r) {
    return r.error();
  }
  if (auto r = Set(fd.get(), IPPROTO_SCTP, SCTP_RECVRCVINFO, on, "setsockopt SCTP_RECVRCVINFO"); !r) return r.error();
  if (auto r = Set(fd.get(), IPPROTO_SCTP, SCTP_NODELAY, on, "setsockopt SCTP_NODELAY"); !r) return r.error();
  if (auto r = SetEvents(fd.get(), spec.events, true); !r) return r.error();
  if (spec.init.adaptation_indication_enabled) {
    sctp_setadaptation a{};
    a.ssb_adaptation_ind = spec.init.adaptation_indication;
    if (auto r = Set(fd.get(), IPPROTO_SCTP, SCTP_ADAPTATION_LAYER, a, "setsockopt SCTP_ADAPTATION_LAYER"); !r) {
      return r.error();
    }
  }
  if (spec.control) {
    if (auto r = spec.control(family == AF_INET ? "sctp4" : "sctp6", spec.address, fd.get()); !r) {
      return r.error().WithContext("control hook");
    }
  }
  return fd;
}

Result<void> BindAddrs(int fd, const SctpAddr& addr, int family, int flags) {
  auto packed = PackAddrs(addr, family);
  if (!packed) return packed.error();
  if (sctp_bindx(fd, reinterpret_cast<sockaddr*>(packed->bytes.data()), packed->count, flags) != 0) {
    return SystemError(errno, "bindx " + addr.String());
  }
  return {};
}

Result<SctpAddr> Rebind(int fd, const SctpAddr& addr, std::uint16_t bound_port, int flags) {
  SctpAddr with_port = addr;
  if (with_port.port == 0) with_port.port = bound_port;
  if (auto r = BindAddrs(fd, with_port, SocketFamilyOf(fd), flags); !r) return r.error();
  return LocalAddrs(fd);
}

Result<SctpAddr> ResolveBindAddrs(std::string_view addresses) {
  // go-sctp takes hosts without a port here; "h1/h2:port" is accepted too.
  if (addresses.find(':') != std::string_view::npos) {
    if (auto with_port = ResolveSctpAddr("sctp", addresses)) return with_port;
  }
  auto hosts = ResolveIpAddrs("sctp", addresses);
  if (!hosts) return hosts.error();
  return SctpAddr{std::move(*hosts), 0};
}

Result<void> ReuseAddr(int fd) {
  const int on = 1;
  return Set(fd, SOL_SOCKET, SO_REUSEADDR, on, "setsockopt SO_REUSEADDR");
}

Result<void> SetEvents(int fd, std::span<const EventType> events, bool on, std::int32_t assoc_id) {
  for (EventType t : events) {
    sctp_event e{};
    e.se_assoc_id = assoc_id;
    e.se_type = static_cast<std::uint16_t>(t);
    e.se_on = on ? 1 : 0;
    if (::setsockopt(fd, IPPROTO_SCTP, SCTP_EVENT, &e, sizeof e) != 0) {
      return SystemError(errno, "setsockopt SCTP_EVENT type " + std::to_string(e.se_type));
    }
  }
  return {};
}

Result<SctpAddr> LocalAddrs(int fd, std::int32_t assoc_id) {
  return GetAddrs(fd, SCTP_GET_LOCAL_ADDRS, assoc_id, "local addresses");
}
Result<SctpAddr> PeerAddrs(int fd, std::int32_t assoc_id) {
  return GetAddrs(fd, SCTP_GET_PEER_ADDRS, assoc_id, "peer addresses");
}

int SocketFamilyOf(int fd) noexcept {
  int family = 0;
  socklen_t len = sizeof family;
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) != 0) return AF_UNSPEC;
  return family;
}

}  // namespace netsctp::internal
