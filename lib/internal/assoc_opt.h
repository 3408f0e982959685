// The building blocks of AssocOptions (lib/assoc*.cc): one IPPROTO_SCTP
// option read or written on a descriptor, the association id already in the
// struct, errors naming the option; the sctp_assoc_value options by id; peer
// addresses written the way the kernel stores them.
#pragma once

#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "internal/sockaddr.h"
#include "netsctp/addr.h"
#include "netsctp/error.h"
#include "netsctp/result.h"

namespace netsctp::internal {

// Reads option `name` into a copy of `value` (which carries the input
// fields, e.g. the association id). A shorter answer is accepted: some
// options grew across kernels.
template <typename T>
Result<T> GetOpt(int fd, int name, T value, const char* what = "getsockopt") {
  if (fd < 0) return std::errc::bad_file_descriptor;
  socklen_t len = sizeof value;
  if (::getsockopt(fd, IPPROTO_SCTP, name, &value, &len) != 0) return SystemError(errno, what);
  if (len > sizeof value) return Error(make_error_code(Errc::kTruncated), what);
  return value;
}

template <typename T>
Result<void> SetOpt(int fd, int name, const T& value, const char* what) {
  if (fd < 0) return std::errc::bad_file_descriptor;
  if (::setsockopt(fd, IPPROTO_SCTP, name, &value, sizeof value) != 0) return SystemError(errno, what);
  return {};
}

// Options whose value is a struct sctp_assoc_value.
inline Result<std::uint32_t> GetAssocValue(int fd, std::int32_t assoc_id, int name, const char* what) {
  sctp_assoc_value q{};
  q.assoc_id = assoc_id;
  auto v = GetOpt(fd, name, q, what);
  if (!v) return v.error();
  return v->assoc_value;
}
inline Result<void> SetAssocValue(int fd, std::int32_t assoc_id, int name, std::uint32_t value, const char* what) {
  sctp_assoc_value v{};
  v.assoc_id = assoc_id;
  v.assoc_value = value;
  return SetOpt(fd, name, v, what);
}

// Writes `peer` into the (often packed) sockaddr_storage field of a kernel
// struct the way the kernel stores peer addresses: IPv4 as AF_INET even on
// AF_INET6 sockets.
inline void PutPeer(const IpAddr& peer, std::uint16_t port, void* field) {
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  ToSockaddr(peer, port, peer.Is4() ? AF_INET : AF_INET6, ss);
  std::memcpy(field, &ss, sizeof ss);
}

}  // namespace netsctp::internal
