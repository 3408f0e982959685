#include "internal/msg_io.h"

#include <netinet/in.h>
#include <linux/sock_diag.h>
#include <netinet/sctp.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <string>

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
// A write after the end fails with EPIPE: say why the association ended.
IoStatus WithEndReason(const FdCore& core, IoStatus n) {
  return n == IoFail(EPIPE) && core.EndCause() > 0 ? EndStatus(core) : n;
}

template <typename Op>
IoStatus DataIo(FdCore& core, Assocs assocs, Dir dir, short events, Op&& op, bool wait_first = false) {
  if (assocs == Assocs::kMany) return core.Io(dir, events, op, wait_first);
  const int fd = core.fd();
  const IoStatus n = core.Io(dir, events, [&](int flags) -> ssize_t {
    const ssize_t r = op(flags);
    if (r >= 0) return r;
    const int err = errno;
    if (err == EINTR || (err == EAGAIN && !core.HasWaitSlice())) return r;
    if (EndIfGone(core, fd, err == EAGAIN ? 0 : err) && err == EAGAIN) return op(flags);  // now 0 or EPIPE
    errno = err;
    return r;
  }, wait_first);
  return WithEndReason(core, n);
}

// What DataIo makes of a failed call, for a failure that FdCore::TryOnce
// returned (it makes the call outside DataIo): on a one-to-one socket, a
// look at whether the association is gone, and its reason for a write that
// failed with EPIPE after the end.
[[gnu::cold, gnu::noinline]] IoStatus CallFailed(FdCore& core, Assocs assocs, IoStatus n) {
  if (assocs == Assocs::kMany || n == IoFail(Errc::kClosed) || n == IoFail(std::errc::resource_unavailable_try_again)) {
    return n;
  }
  core.Use([&](int fd) { EndIfGone(core, fd, IoCode(n)); });
  return WithEndReason(core, n);
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
  const IoStatus n = DataIo(core, assocs, Dir::kRead, POLLIN, [&](int flags) {
    msg.msg_flags = 0;
    return ::recvmsg(fd, &msg, flags | MSG_PEEK);
  });
  if (n < 0) return IoError(n);
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

}  // namespace

void OnNotification(FdCore& core, Assocs assocs, std::span<const std::byte> bytes) {
  LogNotification(bytes);
  if (assocs == Assocs::kOne) EndOnAssocEnd(core, bytes);
}

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

IoStatus EndStatus(const FdCore& core) {
  const int cause = core.EndCause();
  return cause > 0 ? IoFail(cause) : IoFail(Errc::kEndOfStream);
}

Error EndError(const FdCore& core) { return IoError(EndStatus(core)); }

IoStatus RecvMsgSlow(FdCore& core, Assocs assocs, msghdr& msg, IoStatus n) {
  if (n != FdCore::kTryIo && n != FdCore::kWaitIo) return CallFailed(core, assocs, n);
  const int fd = core.fd();
  const socklen_t name_len = msg.msg_namelen;
  const std::size_t control_len = msg.msg_controllen;
  return DataIo(core, assocs, Dir::kRead, POLLIN, [&](int flags) {
    msg.msg_namelen = name_len;
    msg.msg_controllen = control_len;
    msg.msg_flags = 0;
    return ::recvmsg(fd, &msg, flags);
  }, n == FdCore::kWaitIo);
}

IoStatus SendMsgSlow(FdCore& core, Assocs assocs, const msghdr& msg, int flags, IoStatus n) {
  if (n != FdCore::kTryIo && n != FdCore::kWaitIo) return CallFailed(core, assocs, n);
  const int fd = core.fd();
  return DataIo(
      core, assocs, Dir::kWrite, POLLOUT, [&](int wait) { return ::sendmsg(fd, &msg, flags | wait); },
      n == FdCore::kWaitIo);
}

IoStatus RecvMsgs(FdCore& core, Assocs assocs, std::span<InMsg> msgs) {
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
  const IoStatus n = DataIo(core, assocs, Dir::kRead, POLLIN, [&](int flags) {
    for (std::size_t i = 0; i < count; ++i) {
      hdrs[i].msg_hdr.msg_controllen = kRcvInfoSpace;
      hdrs[i].msg_hdr.msg_flags = 0;
    }
    // MSG_WAITFORONE: only the first may wait; the rest are what is queued.
    return ::recvmmsg(fd, hdrs.data(), static_cast<unsigned>(count), flags | MSG_WAITFORONE, nullptr);
  });
  if (n < 0) return n;
  for (IoStatus i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    if (!ToMessage(core, assocs, hdrs[k].msg_len, hdrs[k].msg_hdr, msgs[k].buf, msgs[k].msg)) {
      // The end after some messages: they are returned, the next read reports it.
      return i == 0 ? EndStatus(core) : i;
    }
  }
  return n;
}

Error SendError(FdCore& core, Assocs assocs, IoStatus n, std::size_t len, const SndInfo* info) {
  Error e = IoError(n);
  if (n != IoFail(EINVAL)) return e;
  const auto named = [&](const std::string& why) { return Error(e.code(), why); };
  if (len == 0) return named("empty message: SCTP has no zero-length messages");
  // What the kernel applied: `info`, else the default send info; and the
  // association's outbound stream count (0: unknown). Read under the core's
  // guard, so that a Close on another thread cannot hand the number to a
  // new descriptor meanwhile.
  const std::int32_t assoc_id = assocs == Assocs::kOne || info == nullptr ? 0 : info->assoc_id;
  const SndInfo* used = info;
  SndInfo default_info;
  std::uint16_t out_streams = 0;
  core.Use([&](int fd) {
    if (used == nullptr) {
      sctp_sndinfo k{};
      k.snd_assoc_id = assoc_id;
      socklen_t klen = sizeof k;
      if (::getsockopt(fd, IPPROTO_SCTP, SCTP_DEFAULT_SNDINFO, &k, &klen) == 0) {
        default_info = FromKernel(k);
        used = &default_info;
      }
    }
    sctp_status st{};
    st.sstat_assoc_id = assoc_id;
    socklen_t stlen = sizeof st;
    if (::getsockopt(fd, IPPROTO_SCTP, SCTP_STATUS, &st, &stlen) == 0) out_streams = st.sstat_outstrms;
  });
  if (used == nullptr) return e;
  if (assocs == Assocs::kOne) {
    if (Any(used->flags & SndFlags::kEof)) {
      return named("flag EOF is not allowed on a one-to-one socket (CloseWrite ends the association)");
    }
    if (Any(used->flags & SndFlags::kAbort)) {
      return named("flag ABORT is not allowed on a one-to-one socket (SetLinger(0) and Close abort it)");
    }
  }
  // The kernel takes only policies within its mask (the bits of kPrio).
  if (used->pr && (static_cast<unsigned>(used->pr->policy) & ~static_cast<unsigned>(PrPolicy::kPrio)) != 0) {
    return named("unknown PR policy " + std::to_string(static_cast<unsigned>(used->pr->policy)));
  }
  if (out_streams > 0 && used->sid >= out_streams) {
    return named("stream " + std::to_string(used->sid) + " of " + std::to_string(out_streams) +
                 " negotiated (streams 0-" + std::to_string(out_streams - 1) + ")");
  }
  return e;
}

Result<Message> ReadFullMsg(FdCore& core, Assocs assocs, std::unique_ptr<PartialMsg>& partial,
                            std::span<std::byte> buf, RawPeer* from) {
  alignas(cmsghdr) std::array<std::byte, kRcvInfoSpace> control;
  const auto piece_of = [&](std::span<std::byte> into, RawPeer* peer) -> Result<Message> {
    Message m;
    if (const IoStatus n = RecvMsg(core, assocs, into, control, peer, m); n < 0) return IoError(n);
    return m;
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
  whole.data = buf.first(whole.n);
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

IoStatus SendMsgs(FdCore& core, Assocs assocs, std::span<mmsghdr> msgs) {
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
    const auto send = [&](std::size_t count, int more) {
      return DataIo(core, assocs, Dir::kWrite, POLLOUT, [&](int wait) {
        return ::sendmmsg(fd, msgs.data() + sent, static_cast<unsigned>(count), more | wait | MSG_NOSIGNAL);
      });
    };
    // What the batch returns when a send fails: the count so far, or the
    // failure when nothing went.
    const auto failed = [&](IoStatus n) { return sent > 0 ? static_cast<IoStatus>(sent) : n; };
    if (run > 1) {
      const IoStatus n = send(run - 1, MSG_MORE);
      if (n < 0) return failed(n);
      sent += static_cast<std::size_t>(n);
      // Cut short: the next message failed, or (should the guess above be
      // low) found the buffer full. The next round finds out which: an error
      // ends the batch, EAGAIN waits as any write does.
      if (static_cast<std::size_t>(n) < run - 1) continue;
    }
    const IoStatus last = send(1, 0);
    if (last < 0) return failed(last);
    sent += static_cast<std::size_t>(last);
  }
  return static_cast<IoStatus>(sent);
}

}  // namespace netsctp::internal
