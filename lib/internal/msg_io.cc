#include "internal/msg_io.h"

#include <netinet/in.h>
#include <linux/sock_diag.h>
#include <netinet/sctp.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>

#include "internal/cmsg.h"
#include "internal/log.h"

namespace netsctp::internal {

namespace {

bool AssociationAlive(int fd) {
  sctp_status st{};
  socklen_t len = sizeof st;
  return ::getsockopt(fd, IPPROTO_SCTP, SCTP_STATUS, &st, &len) == 0 && st.sstat_state != SCTP_CLOSED;
}

// Errors that by themselves say why an association ended (the socket error
// the kernel sets on ABORT, COMM_LOST or a failed start).
bool IsEndCause(int err) {
  return err == ECONNRESET || err == ETIMEDOUT || err == ECONNREFUSED || err == ECONNABORTED ||
         err == EHOSTUNREACH || err == ENETUNREACH || err == EPROTO;
}

// Every read and write: `op` through the core (one system call when it
// succeeds). On a one-to-one socket, whenever it fails, a look at whether the
// association is gone, so that the end is made visible to every other call
// and poller (FdCore::End) whichever call happened to read the kernel's one
// report of it. After our own CloseWrite the association ends without any
// poll event at all, so waits are sliced and each EAGAIN looks too.
template <typename Op>
Result<std::int64_t> DataIo(FdCore& core, Assocs assocs, Dir dir, short events, Op&& op) {
  if (assocs == Assocs::kMany) return core.Io(dir, events, op);
  const int fd = core.fd();
  auto n = core.Io(dir, events, [&](int flags) -> ssize_t {
    const ssize_t r = op(flags);
    if (r >= 0) return r;
    const int err = errno;
    if (err == EINTR || (err == EAGAIN && !core.HasWaitSlice())) return r;
    if (EndIfGone(core, fd, err == EAGAIN ? 0 : err) && err == EAGAIN) return op(flags);  // now 0 or EPIPE
    errno = err;
    return r;
  });
  // A write after the end fails with EPIPE: say why the association ended.
  if (!n && n.error() == std::errc::broken_pipe && core.EndCause() > 0) return EndError(core);
  return n;
}

void LogNotification(std::span<const std::byte> bytes) {
  auto logger = Logger();
  if (!logger->should_log(spdlog::level::debug)) return;
  auto ev = ParseEvent(bytes);
  if (ev) {
    logger->debug("notification {}", ToString(*ev));
  } else {
    logger->debug("notification of {} bytes that does not parse: {}", bytes.size(), ev.error().message());
  }
}

// Whether the next unit to read is a notification (waits for one to arrive).
Result<bool> PeekNotification(FdCore& core, Assocs assocs) {
  std::byte one;
  iovec iov{&one, 1};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  const int fd = core.fd();
  auto n = DataIo(core, assocs, Dir::kRead, POLLIN, [&](int flags) {
    msg.msg_flags = 0;
    return ::recvmsg(fd, &msg, flags | MSG_PEEK);
  });
  if (!n) return n.error();
  return Has(msg.msg_flags, RecvFlags::kNotification);
}

// An ASSOC_CHANGE notification that reports the association's end ends the
// core too: on a socket peeled off a one-to-many socket Linux reports a
// graceful end in no other way (reads just wait, poll stays quiet), and a
// loop that read the event must not wait for more afterwards.
void EndOnAssocEnd(FdCore& core, std::span<const std::byte> bytes) {
  sctp_assoc_change ac;
  if (bytes.size() < offsetof(sctp_assoc_change, sac_outbound_streams)) return;
  std::memcpy(&ac, bytes.data(), std::min(bytes.size(), sizeof ac));
  if (ac.sac_type != SCTP_ASSOC_CHANGE) return;
  int cause;
  switch (ac.sac_state) {
    case SCTP_SHUTDOWN_COMP: cause = 0; break;
    case SCTP_CANT_STR_ASSOC: cause = ECONNREFUSED; break;
    // An ABORT names a cause; a timeout does not.
    case SCTP_COMM_LOST: cause = ac.sac_error != 0 ? ECONNRESET : ETIMEDOUT; break;
    default: return;
  }
  core.Use([&](int fd) {
    int pending = 0;
    socklen_t len = sizeof pending;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &len) == 0 && pending != 0) cause = pending;
    EndIfGone(core, fd, cause);
  });
}

// What one recvmsg (or one entry of recvmmsg) read, as a Message; false when
// it is the association's end (Assocs::kOne: an empty read).
bool ToMessage(FdCore& core, Assocs assocs, std::size_t n, const msghdr& msg, std::span<std::byte> buf,
               Message& m) {
  m.n = n;
  m.flags = msg.msg_flags;
  m.has_info = false;
  if (assocs == Assocs::kOne && m.n == 0 && msg.msg_controllen == 0 && !m.Notification()) return false;
  if (!m.Notification()) {
    m.has_info = DecodeRcvInfo(
        std::span<const std::byte>(static_cast<const std::byte*>(msg.msg_control), msg.msg_controllen), m.info);
  } else if (m.Eor()) {
    // Notifications are rare: this is off the data path.
    LogNotification(buf.first(m.n));
    if (assocs == Assocs::kOne) EndOnAssocEnd(core, buf.first(m.n));
  }
  return true;
}

}  // namespace

// Called only on failures and, after our own CloseWrite, on EAGAIN: costs
// one getsockopt. Ends with the best cause known: `err` when it is one, else
// the socket's pending error, else a graceful end.
bool EndIfGone(FdCore& core, int fd, int err) {
  if (core.Ended()) return true;
  if (AssociationAlive(fd)) return false;
  int cause = IsEndCause(err) ? err : 0;
  if (cause == 0) {
    int pending = 0;
    socklen_t len = sizeof pending;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &len) == 0) cause = pending;
  }
  return core.End(cause);
}

Error EndError(const FdCore& core) {
  const int cause = core.EndCause();
  return cause > 0 ? Error(SystemError(cause)) : Error(Errc::kEndOfStream);
}

Result<Message> RecvMsg(FdCore& core, Assocs assocs, std::span<std::byte> buf, std::span<std::byte> oob,
                        RawPeer* from) {
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  const int fd = core.fd();
  auto n = DataIo(core, assocs, Dir::kRead, POLLIN, [&](int flags) {
    if (from != nullptr) {
      msg.msg_name = &from->addr;
      msg.msg_namelen = sizeof from->addr;
    }
    msg.msg_control = oob.empty() ? nullptr : oob.data();
    msg.msg_controllen = oob.size();
    msg.msg_flags = 0;
    return ::recvmsg(fd, &msg, flags);
  });
  if (!n) return n.error();
  if (from != nullptr) from->len = msg.msg_namelen;
  Message m;
  if (!ToMessage(core, assocs, static_cast<std::size_t>(*n), msg, buf, m)) return EndError(core);
  return m;
}

Result<std::size_t> RecvMsgs(FdCore& core, Assocs assocs, std::span<InMsg> msgs) {
  const std::size_t count = std::min(msgs.size(), kMaxBatch);
  if (count == 0) return 0;
  std::array<mmsghdr, kMaxBatch> hdrs;
  std::array<iovec, kMaxBatch> iovs;
  alignas(cmsghdr) std::array<std::array<std::byte, kRcvInfoSpace>, kMaxBatch> controls;
  for (std::size_t i = 0; i < count; ++i) {
    iovs[i] = {msgs[i].buf.data(), msgs[i].buf.size()};
    hdrs[i] = {};
    hdrs[i].msg_hdr.msg_iov = &iovs[i];
    hdrs[i].msg_hdr.msg_iovlen = 1;
    hdrs[i].msg_hdr.msg_control = controls[i].data();
  }
  const int fd = core.fd();
  auto n = DataIo(core, assocs, Dir::kRead, POLLIN, [&](int flags) {
    for (std::size_t i = 0; i < count; ++i) {
      hdrs[i].msg_hdr.msg_controllen = kRcvInfoSpace;
      hdrs[i].msg_hdr.msg_flags = 0;
    }
    // MSG_WAITFORONE: only the first may wait; the rest are what is queued.
    return ::recvmmsg(fd, hdrs.data(), static_cast<unsigned>(count), flags | MSG_WAITFORONE, nullptr);
  });
  if (!n) return n.error();
  const auto got = static_cast<std::size_t>(*n);
  for (std::size_t i = 0; i < got; ++i) {
    if (!ToMessage(core, assocs, hdrs[i].msg_len, hdrs[i].msg_hdr, msgs[i].buf, msgs[i].msg)) {
      // The end after some messages: they are returned, the next read reports it.
      if (i == 0) return EndError(core);
      return i;
    }
  }
  return got;
}

Result<Message> ReadFullMsg(FdCore& core, Assocs assocs, std::unique_ptr<PartialMsg>& partial,
                            std::span<std::byte> buf, RawPeer* from) {
  alignas(cmsghdr) std::array<std::byte, kRcvInfoSpace> control;
  const auto piece_of = [&](std::span<std::byte> into, RawPeer* peer) {
    return RecvMsg(core, assocs, into, control, peer);
  };
  Message whole;
  RawPeer first_from;
  bool draining = false;  // larger than buf: the rest is read and dropped
  if (partial) {
    whole = partial->msg;
    first_from = partial->from;
    draining = partial->draining || partial->bytes.size() > buf.size();
    if (!draining) std::copy(partial->bytes.begin(), partial->bytes.end(), buf.begin());
    partial.reset();
  } else {
    auto first = piece_of(buf, from != nullptr ? &first_from : nullptr);
    if (!first) return first;
    whole = *first;
    draining = !whole.Eor() && whole.n == buf.size();
  }
  if (from != nullptr) *from = first_from;
  // A wait that ends part way (EAGAIN, deadline) must not lose what was
  // read: rare (large messages), so the copy and its allocation are fine.
  const auto keep = [&](const Error& e) -> Error {
    if (e == std::errc::resource_unavailable_try_again || e == Errc::kTimeout) {
      partial = std::make_unique<PartialMsg>();
      partial->msg = whole;
      partial->from = first_from;
      partial->draining = draining;
      if (!draining) partial->bytes.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(whole.n));
    }
    return e;
  };
  const int eor = static_cast<int>(RecvFlags::kEor);
  while (!whole.Eor()) {
    // When the peer aborts in the middle of a message, the kernel queues a
    // PARTIAL_DELIVERY notification where the next piece would be: look
    // before reading, so that the notification is never glued onto data.
    if (!whole.Notification()) {
      auto next = PeekNotification(core, assocs);
      if (!next) return keep(next.error());
      if (*next) return draining ? Errc::kMessageTooLarge : Errc::kMessageAborted;
    }
    if (draining) {
      // Too large: drain the rest so that the next read starts a new message.
      std::array<std::byte, 4096> scratch;
      auto piece = piece_of(scratch, nullptr);
      if (!piece) return keep(piece.error());
      if (piece->Eor()) return Errc::kMessageTooLarge;
      continue;
    }
    auto piece = piece_of(buf.subspan(whole.n), nullptr);
    if (!piece) return keep(piece.error());
    whole.n += piece->n;
    whole.flags = (whole.flags & ~eor) | (piece->flags & eor);
    draining = !whole.Eor() && whole.n == buf.size();
  }
  return whole;
}

Result<MsgOrEvent> ReadMsgOrEvent(FdCore& core, Assocs assocs, std::unique_ptr<PartialMsg>& partial,
                                  std::span<std::byte> buf, RawPeer* from) {
  auto m = ReadFullMsg(core, assocs, partial, buf, from);
  // An aborted message is dropped; its PARTIAL_DELIVERY event comes next.
  while (!m && m.error() == Errc::kMessageAborted) m = ReadFullMsg(core, assocs, partial, buf, from);
  if (!m) return m.error();
  MsgOrEvent out{*m, std::nullopt};
  if (m->Notification()) {
    auto ev = ParseEvent(buf.first(m->n));
    if (!ev) return ev.error();
    out.event = std::move(*ev);
  }
  return out;
}

Result<std::size_t> SendMsg(FdCore& core, Assocs assocs, std::span<const std::byte> buf,
                            std::span<std::byte> control, const sockaddr* to, socklen_t to_len, int flags) {
  iovec iov{const_cast<std::byte*>(buf.data()), buf.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_name = const_cast<sockaddr*>(to);
  msg.msg_namelen = to != nullptr ? to_len : 0;
  msg.msg_control = control.empty() ? nullptr : control.data();
  msg.msg_controllen = control.size();
  const int fd = core.fd();
  auto n = DataIo(core, assocs, Dir::kWrite, POLLOUT, [&](int wait) { return ::sendmsg(fd, &msg, flags | wait | MSG_NOSIGNAL); });
  if (!n) return n.error();
  return static_cast<std::size_t>(*n);
}

namespace {

// What the kernel charges a queued message against the send buffer, at most:
// the buffer holding its bytes (rounded up by the allocator, up to twice
// their size) plus the chunk and buffer bookkeeping. A high guess only
// shortens runs; a low one could leave a run held (see SendMsgs).
constexpr std::size_t Charge(std::size_t bytes) { return 2 * bytes + 2048; }

// Free space in the send buffer: SO_SNDBUF less what is queued (Linux SCTP's
// own measure with the default per-socket send buffer policy). 0 if unknown.
std::size_t SendSpace(int fd) {
  std::array<std::uint32_t, SK_MEMINFO_VARS> mem{};
  socklen_t len = sizeof mem;
  if (::getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem.data(), &len) != 0 || len < sizeof mem) return 0;
  const std::uint32_t sndbuf = mem[SK_MEMINFO_SNDBUF], queued = mem[SK_MEMINFO_WMEM_QUEUED];
  return sndbuf > queued ? sndbuf - queued : 0;
}

}  // namespace

Result<std::size_t> SendMsgs(FdCore& core, Assocs assocs, std::span<mmsghdr> msgs) {
  const int fd = core.fd();
  std::size_t sent = 0;
  while (sent < msgs.size()) {
    // A run: the messages that surely fit in the free send space, all but
    // the last with MSG_MORE (one sendmmsg; the kernel holds them to fill
    // packets), the last alone without it (it lets them go). MSG_MORE holds
    // queued data until a send without it: a run cut short by a full buffer
    // could hold what it queued with nothing in flight to free space for
    // that send, so a run never outgrows the space. Three system calls per
    // run, up to kMaxBatch messages.
    std::size_t run = 1;
    if (msgs.size() - sent > 1) {
      std::size_t space = SendSpace(fd), need = 0;
      run = 0;
      while (sent + run < msgs.size()) {
        need += Charge(msgs[sent + run].msg_hdr.msg_iov->iov_len);
        if (need > space) break;
        ++run;
      }
      run = std::max<std::size_t>(run, 1);
    }
    const auto send = [&](std::size_t from, std::size_t count, int more) -> Result<std::size_t> {
      auto n = DataIo(core, assocs, Dir::kWrite, POLLOUT, [&](int wait) {
        return ::sendmmsg(fd, msgs.data() + from, static_cast<unsigned>(count), more | wait | MSG_NOSIGNAL);
      });
      if (!n) return n.error();
      return static_cast<std::size_t>(*n);
    };
    if (run > 1) {
      auto n = send(sent, run - 1, MSG_MORE);
      if (!n) return sent > 0 ? Result<std::size_t>(sent) : n;
      sent += *n;
      // Cut short: the next message failed, or (should the guess above be
      // low) found the buffer full. The next round finds out which: an error
      // ends the batch, EAGAIN waits as any write does.
      if (*n < run - 1) continue;
    }
    auto last = send(sent, 1, 0);
    if (!last) return sent > 0 ? Result<std::size_t>(sent) : last;
    sent += *last;
  }
  return sent;
}

}  // namespace netsctp::internal
