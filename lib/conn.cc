// SctpConn: data path, addresses, options and closing of one association.
#include "netsctp/conn.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "internal/cmsg.h"
#include "internal/fd_core.h"
#include "internal/log.h"
#include "internal/msg_io.h"
#include "internal/sockaddr.h"
#include "internal/socket.h"

namespace netsctp {

using internal::Dir;
using internal::FdCore;
constexpr internal::Assocs kOne = internal::Assocs::kOne;

namespace {

constexpr std::errc kBadFd = std::errc::bad_file_descriptor;

// The public GetOption on this connection's descriptor (a shorter answer is
// accepted, as before: some options shrank or grew across kernels).
template <typename T>
Result<T> Get(const FdCore* core, int level, int name, T value = T{}) {
  if (core == nullptr || core->fd() < 0) return kBadFd;
  return GetOption<T>(core->fd(), level, name, value, /*allow_shorter=*/true);
}

template <typename T>
Result<void> Set(FdCore* core, int level, int name, const T& value, const char* what) {
  if (core == nullptr || core->fd() < 0) return kBadFd;
  if (::setsockopt(core->fd(), level, name, &value, sizeof value) != 0) return SystemError(errno, what);
  return {};
}

}  // namespace

SctpConn::SctpConn() noexcept = default;
SctpConn::SctpConn(std::unique_ptr<FdCore> core) : core_(std::move(core)) {}
SctpConn::SctpConn(SctpConn&&) noexcept = default;
SctpConn& SctpConn::operator=(SctpConn&& o) noexcept {
  if (this != &o) {
    (void)Close();
    core_ = std::move(o.core_);
    local_ = std::move(o.local_);
    remote_ = std::move(o.remote_);
    connecting_ = o.connecting_;
    partial_ = std::move(o.partial_);
    stream_policy_ = std::move(o.stream_policy_);
  }
  return *this;
}
SctpConn::~SctpConn() { (void)Close(); }

Result<SctpConn> SctpConn::Adopt(int fd) {
  int type = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) return SystemError(errno, "adopt");
  int protocol = 0;
  len = sizeof protocol;
  if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0) return SystemError(errno, "adopt");
  // A socket peeled off a one-to-many socket keeps SOCK_SEQPACKET but carries
  // one association and has a peer; a one-to-many socket has none.
  sockaddr_storage peer;
  socklen_t peer_len = sizeof peer;
  const bool peeled = type == SOCK_SEQPACKET && ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) == 0;
  if ((type != SOCK_STREAM && !peeled) || protocol != IPPROTO_SCTP) {
    return Error(std::make_error_code(std::errc::not_supported), "adopt: not a one-to-one SCTP socket");
  }
  // A peeled-off socket polls (its graceful end comes through no wake-up);
  // any other sleeps in the kernel when it reads (EnableKernelWait below).
  if (peeled) {
    const int fl = ::fcntl(fd, F_GETFL);
    if (fl < 0 || ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) return SystemError(errno, "adopt: O_NONBLOCK");
  }
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return SystemError(errno, "adopt: FD_CLOEXEC");
  const int on = 1;
  if (::setsockopt(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on) != 0) {
    return SystemError(errno, "adopt: SCTP_RECVRCVINFO");
  }
  SctpConn c(std::make_unique<FdCore>(fd));
  if (peeled) {
    c.core_->SetWaitSlice(internal::kPeeledCheckNs);
  } else if (auto k = c.core_->EnableKernelWait(false); !k) {
    (void)c.Release();
    return k.error().WithContext("adopt");
  }
  if (auto r = c.InitAddrs(); !r) {
    (void)c.Release();  // the caller keeps the descriptor on error
    return r.error().WithContext("adopt");
  }
  return c;
}

Result<void> SctpConn::InitAddrs() {
  auto local = internal::LocalAddrs(fd());
  if (!local) return local.error();
  auto remote = internal::PeerAddrs(fd());
  if (!remote) return remote.error();
  local_ = std::move(*local);
  remote_ = std::move(*remote);
  return {};
}

int SctpConn::Release() noexcept { return core_ ? core_->Release() : -1; }

int SctpConn::fd() const noexcept { return core_ ? core_->fd() : -1; }

// ---------------------------------------------------------------- data

Result<std::size_t> SctpConn::Read(std::span<std::byte> buf) {
  for (;;) {
    auto m = ReadMsg(buf);
    if (!m) return m.error();
    if (!m->Notification()) return m->n;  // notifications are for ReadMsg users
  }
}

Result<std::size_t> SctpConn::Write(std::span<const std::byte> buf) { return WriteMsgExt(buf, nullptr, nullptr); }

namespace {

// ReadMsg and ReadMsgExt: the Result is filled in place, one object from the
// system call to the caller.
Result<Message> ReadInto(FdCore* core, std::span<std::byte> buf, std::span<std::byte> oob) {
  Result<Message> m;
  if (core == nullptr) {
    m = kBadFd;
  } else if (const auto n = internal::RecvMsg(*core, kOne, buf, oob, nullptr, *m); n < 0) {
    m = internal::IoError(n);
  }
  return m;
}

}  // namespace

Result<Message> SctpConn::ReadMsg(std::span<std::byte> buf) {
  alignas(cmsghdr) std::array<std::byte, internal::kRcvInfoSpace> control;
  return ReadInto(core_.get(), buf, control);
}

Result<Message> SctpConn::ReadMsgExt(std::span<std::byte> buf, std::span<std::byte> oob) {
  return ReadInto(core_.get(), buf, oob);
}

Result<Message> SctpConn::ReadFullMsg(std::span<std::byte> buf) {
  if (!core_) return kBadFd;
  return internal::ReadFullMsg(*core_, kOne, partial_, buf, nullptr);
}

Result<MsgOrEvent> SctpConn::ReadMsgOrEvent(std::span<std::byte> buf) {
  if (!core_) return kBadFd;
  return internal::ReadMsgOrEvent(*core_, kOne, partial_, buf, nullptr);
}

namespace {

// One message out with `info` (null: the default send info) as its control
// data: the end of every write, inline in each.
[[gnu::always_inline]] inline Result<std::size_t> SendOne(FdCore& core, std::span<const std::byte> buf,
                                                          const SndInfo* info, const sockaddr* to, socklen_t to_len,
                                                          int msg_flags) {
  alignas(cmsghdr) std::array<std::byte, internal::kSndPrInfoSpace> control;
  const std::size_t control_len = info != nullptr ? internal::EncodeSndPrInfo(*info, control) : 0;
  const auto n = internal::SendMsg(core, kOne, buf, std::span(control).first(control_len), to, to_len, msg_flags);
  if (n >= 0) return static_cast<std::size_t>(n);
  return internal::SendError(core, kOne, n, buf.size(), info);
}

}  // namespace

Result<std::size_t> SctpConn::WriteMsg(std::span<const std::byte> buf, const SndInfo* info) {
  // Without remembered stream policies there is nothing to adjust.
  if (core_ && stream_policy_.empty()) [[likely]] return SendOne(*core_, buf, info, nullptr, 0, 0);
  return WriteMsgExt(buf, info, nullptr);
}

// A stream's remembered policy fills in what the caller left open; an
// explicit pr always wins. A write without SndInfo is left to the kernel's
// default send info (its stream is not known here). Returns `info` or
// `adjusted`, filled.
const SndInfo* SctpConn::WithStreamPolicy(const SndInfo* info, SndInfo& adjusted) const noexcept {
  if (stream_policy_.empty()) [[likely]] return info;
  const StreamPolicy* policy = info != nullptr && info->sid < stream_policy_.size() && stream_policy_[info->sid]
                                   ? &*stream_policy_[info->sid]
                                   : nullptr;
  if (policy == nullptr || info->pr) return info;
  adjusted = *info;
  adjusted.pr = policy->pr;
  if (policy->unordered) adjusted.flags = adjusted.flags | SndFlags::kUnordered;
  return &adjusted;
}

Result<std::size_t> SctpConn::WriteMsgs(std::span<const OutMsg> msgs) {
  if (!core_) return kBadFd;
  std::array<mmsghdr, kMaxBatch> hdrs;
  std::array<iovec, kMaxBatch> iovs;
  alignas(cmsghdr) std::array<std::array<std::byte, internal::kSndPrInfoSpace>, kMaxBatch> controls;
  std::size_t sent = 0;
  while (sent < msgs.size()) {
    const auto part = msgs.subspan(sent, std::min(kMaxBatch, msgs.size() - sent));
    for (std::size_t i = 0; i < part.size(); ++i) {
      SndInfo adjusted;
      const SndInfo* info = WithStreamPolicy(part[i].info, adjusted);
      iovs[i] = {const_cast<std::byte*>(part[i].data.data()), part[i].data.size()};
      hdrs[i] = {};
      hdrs[i].msg_hdr.msg_iov = &iovs[i];
      hdrs[i].msg_hdr.msg_iovlen = 1;
      const std::size_t len = info != nullptr ? internal::EncodeSndPrInfo(*info, controls[i]) : 0;
      hdrs[i].msg_hdr.msg_control = len != 0 ? controls[i].data() : nullptr;
      hdrs[i].msg_hdr.msg_controllen = len;
    }
    const auto n = internal::SendMsgs(*core_, kOne, std::span(hdrs).first(part.size()));
    if (n < 0) {
      if (sent > 0) return sent;
      SndInfo adjusted;
      return internal::SendError(*core_, kOne, n, part[0].data.size(), WithStreamPolicy(part[0].info, adjusted));
    }
    sent += static_cast<std::size_t>(n);
    if (static_cast<std::size_t>(n) < part.size()) break;
  }
  return sent;
}

Result<std::size_t> SctpConn::ReadMsgs(std::span<InMsg> msgs) {
  if (!core_) return kBadFd;
  const auto n = internal::RecvMsgs(*core_, kOne, msgs);
  if (n >= 0) return static_cast<std::size_t>(n);
  return internal::IoError(n);
}

Result<std::size_t> SctpConn::WriteMsgExt(std::span<const std::byte> buf, const SndInfo* info, const IpAddr* to,
                                          int msg_flags) {
  if (!core_) return kBadFd;
  sockaddr_storage dest;
  socklen_t dest_len = 0;
  SndInfo adjusted;
  info = WithStreamPolicy(info, adjusted);
  if (to != nullptr) {
    // The override goes to the association's port; every field of `info`
    // is kept (go-sctp dropped them when the PPID was 0).
    std::memset(&dest, 0, sizeof dest);
    dest_len = internal::ToSockaddr(*to, remote_.port, to->Is4() ? AF_INET : AF_INET6, dest);
    if (dest_len == 0) return Error(make_error_code(Errc::kNoSuitableAddress), "write to " + to->String());
    if (info != &adjusted) adjusted = info != nullptr ? *info : SndInfo{};
    adjusted.flags = adjusted.flags | SndFlags::kAddrOver;
    info = &adjusted;
  }
  return SendOne(*core_, buf, info, to != nullptr ? reinterpret_cast<const sockaddr*>(&dest) : nullptr, dest_len,
                 msg_flags);
}

Result<void> SctpConn::SetStreamPolicy(std::uint16_t sid, const StreamPolicy& policy) {
  if (!core_) return kBadFd;
  switch (policy.pr.policy) {
    case PrPolicy::kReliable:
    case PrPolicy::kTtl:
    case PrPolicy::kRtx:
    case PrPolicy::kPrio:
      break;
    default:
      return Error(std::make_error_code(std::errc::invalid_argument),
                   "stream policy for stream " + std::to_string(sid) + ": unknown PR policy " +
                       std::to_string(static_cast<unsigned>(policy.pr.policy)));
  }
  // Growing the table here (configuration) is what keeps WriteMsg free of allocation.
  if (sid >= stream_policy_.size()) stream_policy_.resize(std::size_t{sid} + 1);
  stream_policy_[sid] = policy;
  return {};
}

Result<void> SctpConn::ClearStreamPolicy(std::uint16_t sid) {
  if (!core_) return kBadFd;
  if (sid < stream_policy_.size()) stream_policy_[sid].reset();
  while (!stream_policy_.empty() && !stream_policy_.back()) stream_policy_.pop_back();
  return {};
}

std::optional<SctpConn::StreamPolicy> SctpConn::GetStreamPolicy(std::uint16_t sid) const {
  if (sid >= stream_policy_.size()) return std::nullopt;
  return stream_policy_[sid];
}

Result<std::size_t> SctpConn::WriteDatagram(std::span<const std::byte> buf, std::uint16_t sid, std::uint32_t ppid) {
  SndInfo info;
  info.sid = sid;
  info.ppid = ppid;
  info.flags = SndFlags::kUnordered;
  info.pr = PrInfo::Rtx(0);
  return WriteMsgExt(buf, &info, nullptr);
}

// ---------------------------------------------------------------- addresses

const SctpAddr& SctpConn::LocalAddr() const noexcept { return local_; }
const SctpAddr& SctpConn::RemoteAddr() const noexcept { return remote_; }

Result<SctpAddr> SctpConn::RefreshRemoteAddr() {
  if (fd() < 0) return kBadFd;
  auto r = internal::PeerAddrs(fd());
  if (!r) return r;
  remote_ = *r;
  return r;
}

Result<void> SctpConn::Bind(const SctpAddr& addresses, int flags) {
  if (fd() < 0) return kBadFd;
  auto now = internal::Rebind(fd(), addresses, local_.port, flags);
  if (!now) return now.error();
  local_ = std::move(*now);
  return {};
}

Result<void> SctpConn::Bind(std::string_view addresses, int flags) {
  auto a = internal::ResolveBindAddrs(addresses);
  if (!a) return a.error();
  return Bind(*a, flags);
}

Result<void> SctpConn::BindAdd(std::string_view a) { return Bind(a, SCTP_BINDX_ADD_ADDR); }
Result<void> SctpConn::BindAdd(const SctpAddr& a) { return Bind(a, SCTP_BINDX_ADD_ADDR); }
Result<void> SctpConn::BindRemove(std::string_view a) { return Bind(a, SCTP_BINDX_REM_ADDR); }
Result<void> SctpConn::BindRemove(const SctpAddr& a) { return Bind(a, SCTP_BINDX_REM_ADDR); }

// ---------------------------------------------------------------- deadlines

Result<void> SctpConn::SetDeadline(Deadline t) {
  if (auto r = SetReadDeadline(t); !r) return r;
  return SetWriteDeadline(t);
}
Result<void> SctpConn::SetReadDeadline(Deadline t) {
  if (fd() < 0) return kBadFd;
  core_->SetDeadline(Dir::kRead, internal::DeadlineNs(t));
  return {};
}
Result<void> SctpConn::SetWriteDeadline(Deadline t) {
  if (fd() < 0) return kBadFd;
  core_->SetDeadline(Dir::kWrite, internal::DeadlineNs(t));
  return {};
}
Result<void> SctpConn::SetNonBlocking(bool on) {
  if (fd() < 0) return kBadFd;
  core_->SetNonBlocking(on);
  return {};
}

// ---------------------------------------------------------------- options

Result<void> SctpConn::SetNoDelay(bool on) {
  return Set(core_.get(), IPPROTO_SCTP, SCTP_NODELAY, on ? 1 : 0, "setsockopt SCTP_NODELAY");
}
Result<void> SctpConn::SetDisableFragments(bool on) {
  return Set(core_.get(), IPPROTO_SCTP, SCTP_DISABLE_FRAGMENTS, on ? 1 : 0, "setsockopt SCTP_DISABLE_FRAGMENTS");
}
Result<void> SctpConn::SetLinger(int seconds) {
  linger l{seconds >= 0 ? 1 : 0, seconds >= 0 ? seconds : 0};
  return Set(core_.get(), SOL_SOCKET, SO_LINGER, l, "setsockopt SO_LINGER");
}
Result<int> SctpConn::ReadBufferSize() const { return Get<int>(core_.get(), SOL_SOCKET, SO_RCVBUF); }
Result<int> SctpConn::WriteBufferSize() const { return Get<int>(core_.get(), SOL_SOCKET, SO_SNDBUF); }
Result<void> SctpConn::SetReadBufferSize(int bytes) {
  return Set(core_.get(), SOL_SOCKET, SO_RCVBUF, bytes, "setsockopt SO_RCVBUF");
}
Result<void> SctpConn::SetWriteBufferSize(int bytes) {
  return Set(core_.get(), SOL_SOCKET, SO_SNDBUF, bytes, "setsockopt SO_SNDBUF");
}

// ---------------------------------------------------------------- connecting

Result<void> SctpConn::CompleteConnect() {
  if (fd() < 0) return kBadFd;
  if (!connecting_) return {};
  // Until the association is up the socket reports neither POLLOUT nor, unless
  // the start failed, POLLERR.
  pollfd p{fd(), POLLOUT, 0};
  int r;
  while ((r = ::poll(&p, 1, 0)) < 0 && errno == EINTR) {
  }
  if (r < 0) return SystemError(errno, "poll");
  if (r == 0) return std::errc::resource_unavailable_try_again;
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) return SystemError(errno);
  if (err != 0) return SystemError(err);
  if (auto a = InitAddrs(); !a) return a;
  // Connected: blocking reads may now sleep in the kernel (see FdCore).
  if (auto k = core_->EnableKernelWait(false); !k) return k;
  connecting_ = false;
  internal::LogDebug("connect sctp {} -> {}", local_.String(), remote_.String());
  return {};
}

Result<void> SctpConn::FinishConnect() {
  auto r = CompleteConnect();
  if (r || r.error() == std::errc::resource_unavailable_try_again || r.error() == kBadFd) return r;
  return r.error().WithContext("dial " + remote_.String());
}

// ---------------------------------------------------------------- liveness

Result<void> SctpConn::Alive() {
  if (!core_) return kBadFd;
  bool gone = false;
  if (!core_->Use([&](int fd) { gone = internal::EndIfGone(*core_, fd, 0); })) return kBadFd;
  if (!gone) return {};
  return internal::EndError(*core_);
}

// ---------------------------------------------------------------- closing

Result<void> SctpConn::Close() {
  if (!core_) return kBadFd;
  internal::LogDebug("close sctp {} -> {}", local_.String(), remote_.String());
  // core_ stays allocated (closed) until destruction: another thread may
  // still be returning from a call it woke.
  return core_->Close();
}

Result<void> SctpConn::CloseRead() {
  if (fd() < 0) return kBadFd;
  if (::shutdown(fd(), SHUT_RD) != 0) return SystemError(errno, "shutdown read");
  return {};
}

Result<void> SctpConn::CloseWrite() {
  if (fd() < 0) return kBadFd;
  if (::shutdown(fd(), SHUT_WR) != 0) return SystemError(errno, "shutdown write");
  core_->SetWaitSlice(internal::kShutdownCheckNs);
  return {};
}

Result<bool> SctpConn::Abort(std::span<const std::byte> reason) {
  if (!core_) return kBadFd;
  bool reason_sent = false;
  const bool usable = core_->Use([&](int fd) {
    if (!reason.empty()) {
      // The SCTP_ABORT send flag carries the reason; Linux takes it on sockets
      // peeled off a one-to-many socket and refuses it (EINVAL) on the rest.
      SndInfo info;
      info.flags = SndFlags::kAbort;
      alignas(cmsghdr) std::array<std::byte, internal::kSndInfoSpace> control;
      iovec iov{const_cast<std::byte*>(reason.data()), reason.size()};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control.data();
      msg.msg_controllen = internal::EncodeSndInfo(info, control);
      reason_sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0;
    }
    // Otherwise linger 0 makes the close send the ABORT.
    const linger now{1, 0};
    if (!reason_sent) (void)::setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
  });
  if (!usable) return kBadFd;
  internal::LogDebug("abort sctp {} -> {}{}", local_.String(), remote_.String(), reason_sent ? " with a reason" : "");
  if (auto r = core_->Close(); !r) return r.error();
  return reason_sent;
}

Result<SctpConn::CloseOutcome> SctpConn::CloseWithin(std::chrono::milliseconds limit) {
  if (!core_) return kBadFd;
  const std::int64_t deadline =
      FdCore::NowNs() + std::chrono::duration_cast<std::chrono::nanoseconds>(limit).count();
  // SHUT_WR: the SHUTDOWN goes out once everything sent is acknowledged.
  int cause = -1;  // -1 while the association lives
  bool usable = core_->Use([&](int fd) {
    if (::shutdown(fd, SHUT_WR) != 0 && internal::EndIfGone(*core_, fd, errno)) cause = core_->EndCause();
  });
  // Linux signals the completed SHUTDOWN through no poll event: look every
  // 50 ms, reading and dropping what arrives meanwhile.
  while (usable && cause < 0 && FdCore::NowNs() < deadline) {
    usable = core_->Use([&](int fd) {
      std::array<std::byte, 4096> scratch;
      ssize_t n;
      while ((n = ::recv(fd, scratch.data(), scratch.size(), MSG_DONTWAIT)) > 0) {
      }
      // A read error (ECONNRESET after an ABORT) is the reason; it is reported once.
      const int err = n < 0 && errno != EAGAIN && errno != EINTR ? errno : 0;
      if (internal::EndIfGone(*core_, fd, err)) {
        cause = core_->EndCause();
        return;
      }
      const std::int64_t left = std::max<std::int64_t>(deadline - FdCore::NowNs(), 0);
      pollfd p{fd, POLLIN, 0};
      (void)::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left, internal::kShutdownCheckNs) / 1'000'000));
    });
  }
  if (!usable) return kBadFd;
  CloseOutcome outcome = CloseOutcome::kGraceful;
  if (cause < 0) {
    // Out of time: ABORT.
    outcome = CloseOutcome::kAborted;
    core_->Use([](int fd) {
      const linger now{1, 0};
      (void)::setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
    });
  }
  internal::LogDebug("close sctp {} -> {} within {} ms: {}", local_.String(), remote_.String(), limit.count(),
                     outcome == CloseOutcome::kGraceful ? "graceful" : "aborted");
  if (auto r = core_->Close(); !r) return r.error();
  // The association ended otherwise (the peer aborted, the path died): say why.
  if (cause > 0) return SystemError(cause, "close");
  return outcome;
}

}  // namespace netsctp
