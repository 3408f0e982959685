// SctpListener and ListenConfig: bind (multi-homed), listen, accept.
#include "netsctp/listener.h"

#include <netinet/sctp.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "internal/fd_core.h"
#include "internal/log.h"
#include "internal/sockaddr.h"
#include "internal/socket.h"

namespace netsctp {

using internal::Dir;
using internal::FdCore;

namespace {
constexpr std::errc kBadFd = std::errc::bad_file_descriptor;
constexpr int kOn = 1;
}

SctpListener::SctpListener() noexcept = default;
SctpListener::SctpListener(SctpListener&&) noexcept = default;
SctpListener& SctpListener::operator=(SctpListener&& o) noexcept {
  if (this != &o) {
    (void)Close();
    core_ = std::move(o.core_);
    addr_ = std::move(o.addr_);
  }
  return *this;
}
SctpListener::~SctpListener() { (void)Close(); }

int SctpListener::fd() const noexcept { return core_ ? core_->fd() : -1; }
int SctpListener::Release() noexcept { return core_ ? core_->Release() : -1; }
const SctpAddr& SctpListener::Addr() const noexcept { return addr_; }

Result<SctpConn> SctpListener::Accept() {
  if (!core_) return kBadFd;
  const int lfd = core_->fd();
  for (;;) {
    const auto n = core_->Io(Dir::kRead, POLLIN,
                             [&](int) { return ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC); });
    if (n < 0) {
      // The association died between its arrival and accept: wait for the next.
      if (n == internal::IoFail(ECONNABORTED)) continue;
      return internal::IoError(n).WithContext("accept sctp " + addr_.String());
    }
    SctpConn c(std::make_unique<FdCore>(static_cast<int>(n)));
    (void)c.core_->EnableKernelWait(true);  // accepted blocking: nothing can fail
    if (auto r = c.InitAddrs(); !r) {
      // ENOTCONN here means the association is already gone: same as above.
      if (r.error() == std::errc::not_connected || r.error() == std::errc::invalid_argument) continue;
      return r.error().WithContext("accept sctp " + addr_.String());
    }
    internal::LogDebug("accept sctp {} <- {}", c.LocalAddr().String(), c.RemoteAddr().String());
    return c;
  }
}

Result<void> SctpListener::Bind(std::string_view addresses, int flags) {
  auto a = internal::ResolveBindAddrs(addresses);
  if (!a) return a.error();
  return Bind(*a, flags);
}

Result<void> SctpListener::Bind(const SctpAddr& addresses, int flags) {
  if (fd() < 0) return kBadFd;
  auto now = internal::Rebind(fd(), addresses, addr_.port, flags);
  if (!now) return now.error();
  addr_ = std::move(*now);
  return {};
}

Result<void> SctpListener::BindAdd(std::string_view a) { return Bind(a, SCTP_BINDX_ADD_ADDR); }
Result<void> SctpListener::BindAdd(const SctpAddr& a) { return Bind(a, SCTP_BINDX_ADD_ADDR); }
Result<void> SctpListener::BindRemove(std::string_view a) { return Bind(a, SCTP_BINDX_REM_ADDR); }
Result<void> SctpListener::BindRemove(const SctpAddr& a) { return Bind(a, SCTP_BINDX_REM_ADDR); }

Result<void> SctpListener::Subscribe(std::initializer_list<EventType> events) {
  return Subscribe(std::span<const EventType>(events.begin(), events.size()));
}
Result<void> SctpListener::Subscribe(std::span<const EventType> events) {
  if (fd() < 0) return kBadFd;
  return internal::SetEvents(fd(), events, true);
}
Result<void> SctpListener::Unsubscribe(std::initializer_list<EventType> events) {
  return Unsubscribe(std::span<const EventType>(events.begin(), events.size()));
}
Result<void> SctpListener::Unsubscribe(std::span<const EventType> events) {
  if (fd() < 0) return kBadFd;
  return internal::SetEvents(fd(), events, false);
}

Result<void> SctpListener::SetDeadline(Deadline t) {
  if (fd() < 0) return kBadFd;
  core_->SetDeadline(Dir::kRead, internal::DeadlineNs(t));
  return {};
}
Result<void> SctpListener::SetNonBlocking(bool on) {
  if (fd() < 0) return kBadFd;
  core_->SetNonBlocking(on);
  return {};
}

Result<void> SctpListener::Close() {
  if (!core_) return kBadFd;
  internal::LogDebug("close listener sctp {}", addr_.String());
  return core_->Close();
}

Result<SctpListener> ListenConfig::Listen(std::string_view network, std::string_view address) const {
  auto laddr = ResolveSctpAddr(network, address);
  if (!laddr) return laddr.error().WithContext("listen " + std::string(network));
  return ListenSctp(network, *laddr);
}

Result<SctpListener> ListenConfig::ListenSctp(std::string_view network, const SctpAddr& laddr) const {
  const std::string what = "listen " + std::string(network) + " " + laddr.String();
  auto family = internal::ChooseFamily(network, laddr);
  if (!family) return family.error().WithContext(what);
  const std::string address = laddr.String();
  auto fd = internal::OpenSocket({*family, init_options, events, control, address});
  if (!fd) return fd.error().WithContext(what);
  if (auto r = internal::ReuseAddr(fd->get()); !r) return r.error().WithContext(what);
  if (reuse_port) {
    if (::setsockopt(fd->get(), SOL_SOCKET, SO_REUSEPORT, &kOn, sizeof kOn) != 0) {
      return SystemError(errno, "setsockopt SO_REUSEPORT").WithContext(what);
    }
  }
  if (auto r = internal::BindAddrs(fd->get(), laddr, family->family, SCTP_BINDX_ADD_ADDR); !r) {
    return r.error().WithContext(what);
  }
  if (::listen(fd->get(), backlog) != 0) return SystemError(errno, what);
  auto bound = internal::LocalAddrs(fd->get());
  if (!bound) return bound.error().WithContext(what);
  SctpListener l;
  l.core_ = std::make_unique<FdCore>(fd->Release());
  l.addr_ = std::move(*bound);
  internal::LogDebug("listen sctp {}", l.addr_.String());
  return l;
}

Result<SctpListener> Listen(std::string_view network, std::string_view address) {
  return ListenConfig{}.Listen(network, address);
}
Result<SctpListener> ListenSctp(std::string_view network, const SctpAddr& laddr) {
  return ListenConfig{}.ListenSctp(network, laddr);
}

}  // namespace netsctp
