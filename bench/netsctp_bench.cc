// netsctp_bench: what netsctp's calls cost against the raw system calls they
// wrap, over real kernel SCTP on loopback (docs/benchmark.md).
//
// Every variant moves the same messages over a fresh association whose two
// ends run on two threads of this process:
//   raw            sendmsg with an SCTP_SNDINFO cmsg / blocking recvmsg with
//                  the SCTP_RCVINFO cmsg, blocking one-to-one sockets made
//                  with socket/bind/listen/accept/connect: no netsctp at all
//   netsctp-msg    SctpConn::WriteMsg(buf, SndInfo) / ReadMsg(buf)
//   netsctp-rw     Write / Read (stream and PPID from the default send info)
//   netsctp-event  WriteMsg / ReadMsgOrEvent
//   raw-rcvtimeo   raw with SO_RCVTIMEO 200 ms on both sockets: the price of
//                  netsctp's 200 ms cap on a blocked read (fd_core.h), which
//                  lets a deadline set from another thread reach it
//   raw-batch      sendmmsg in runs with MSG_MORE / recvmmsg, as a program
//                  without netsctp batches: what batching itself can save
//   netsctp-batch  WriteMsgs / ReadMsgs, 64 messages per call
// in two patterns: one-way streaming (timed on the receiver from message N/10
// to N, the steady state: the end of a stream can wait for a 200 ms delayed
// SACK) and ping-pong (timed on the client over the round trips after the
// first N/10). Every message carries its sequence number and is checked
// (length, sequence, stream, PPID): a lost, repeated, reordered or damaged
// message is an error and the exit status is 1, never a figure.
//
// Time comes from CLOCK_MONOTONIC; in the qemu lab's icount mode
// (SCTP_LAB_ICOUNT=1) that is one nanosecond per guest instruction, so the
// figures are instruction counts of the whole machine (both threads and the
// kernel). Heap allocations are counted per thread (test/kernel/alloc_count)
// over each side's own steady window and added up. System calls are counted
// by the kernel, in a separate pass so that counting costs nothing in the
// timed one: with --count-syscalls each side counts its own calls over its
// window with a perf counter on the raw_syscalls:sys_enter tracepoint
// (syscall_count.h; the qemu lab), or, where the kernel has no perf events
// (user-mode Linux), with --mark each side makes a marker system call
// (access() of a path naming the run, the side and the message count) at the
// start and end of its window and tools/bench counts what `strace -f` saw of
// that thread between the two (bench/results.py).
//
// --scale K instead holds K associations (a listener and K dialled
// connections, both ends in this process) and reports their footprint.
#include <netinet/in.h>  // before netinet/sctp.h, which relies on it
#include <netinet/sctp.h>
#include <arpa/inet.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "netsctp/netsctp.h"
#include "../examples/footprint.h"
#include "../test/kernel/alloc_count.h"
#include "syscall_count.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint16_t kSid = 1;
constexpr std::uint32_t kPpid = 0x4e53;  // any fixed value: the receiver checks it
// Requested with SO_SNDBUF/SO_RCVBUF (FORCE first, as netsctp does), which
// the kernel doubles: 425984 B on both ends of every variant.
constexpr int kBufferRequest = 212992;
constexpr std::size_t kBatch = 64;
constexpr std::size_t kSeqBytes = sizeof(std::uint64_t);

// ---------------------------------------------------------------- options

struct Options {
  std::uint64_t n = 5000;
  std::vector<std::size_t> sizes = {64, 1024, 16384, 65536};
  std::vector<std::string> variants;
  bool stream = true;
  bool pingpong = true;
  bool wait = true;
  std::string json;
  bool quiet = false;
  bool mark = false;
  bool count_syscalls = false;
  long scale = 0;
};

const std::vector<std::string>& AllVariants() {
  static const std::vector<std::string> v = {"raw",       "raw-rcvtimeo", "netsctp-msg",  "netsctp-rw",
                                             "netsctp-event", "raw-batch",   "netsctp-batch"};
  return v;
}

std::vector<std::string> Split(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const std::size_t comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

[[noreturn]] void Usage(const char* why) {
  if (why != nullptr) std::fprintf(stderr, "netsctp_bench: %s\n", why);
  std::fprintf(stderr,
               "usage: netsctp_bench [--n N] [--sizes 64,1024,...] [--variants raw,netsctp-msg,...]\n"
               "                     [--pattern stream|pingpong|wait|both|all] [--json FILE] [--quiet]\n"
               "                     [--count-syscalls | --mark]\n"
               "       netsctp_bench --scale K [--json FILE]\n"
               "variants: raw raw-rcvtimeo netsctp-msg netsctp-rw netsctp-event raw-batch netsctp-batch\n");
  std::exit(2);
}

bool ParseNumber(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = v;
  return true;
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  o.variants = AllVariants();
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) Usage("missing value");
      return argv[++i];
    };
    std::uint64_t num = 0;
    if (a == "--n") {
      if (!ParseNumber(value(), num) || num < 20) Usage("--n wants a number of at least 20");
      o.n = num;
    } else if (a == "--sizes") {
      o.sizes.clear();
      for (const std::string& s : Split(value())) {
        if (!ParseNumber(s, num) || num < kSeqBytes || num > 65536) Usage("sizes run from 8 to 65536 bytes");
        o.sizes.push_back(static_cast<std::size_t>(num));
      }
      if (o.sizes.empty()) Usage("--sizes is empty");
    } else if (a == "--variants") {
      o.variants = Split(value());
      for (const std::string& v : o.variants) {
        if (std::find(AllVariants().begin(), AllVariants().end(), v) == AllVariants().end()) {
          Usage(("unknown variant (or not in this build): " + v).c_str());
        }
      }
      if (o.variants.empty()) Usage("--variants is empty");
    } else if (a == "--pattern") {
      // both: stream and ping-pong; all: those and wait.
      const std::string_view p = value();
      o.stream = p == "stream" || p == "both" || p == "all";
      o.pingpong = p == "pingpong" || p == "both" || p == "all";
      o.wait = p == "wait" || p == "all";
      if (!o.stream && !o.pingpong && !o.wait) Usage("--pattern wants stream, pingpong, wait, both or all");
    } else if (a == "--json") {
      o.json = value();
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (a == "--mark") {
      o.mark = true;
    } else if (a == "--count-syscalls") {
      o.count_syscalls = true;
    } else if (a == "--scale") {
      if (!ParseNumber(value(), num) || num < 1 || num > 1000000) Usage("--scale wants a number of associations");
      o.scale = static_cast<long>(num);
    } else if (a == "-h" || a == "--help") {
      Usage(nullptr);
    } else {
      Usage(("unknown option " + std::string(a)).c_str());
    }
  }
  return o;
}

// ---------------------------------------------------------------- the lab

enum class Lab { kIcount, kEmulated, kNative };

Lab CurrentLab() {
  const char* icount = std::getenv("SCTP_LAB_ICOUNT");
  if (icount != nullptr && std::string_view(icount) == "1") return Lab::kIcount;
  const char* lab = std::getenv("SCTP_LAB");
  if (lab != nullptr && std::string_view(lab) == "native") return Lab::kNative;
  return Lab::kEmulated;
}

const char* LabName() {
  const char* lab = std::getenv("SCTP_LAB");
  return lab != nullptr ? lab : "none (not run through sctp-lab)";
}

const char* TimeUnit(Lab lab) {
  switch (lab) {
    case Lab::kIcount: return "k instr/msg";
    case Lab::kNative: return "ns/msg";
    case Lab::kEmulated: break;
  }
  return "ns/msg (emulated wall time)";
}

// ---------------------------------------------------------------- messages

// One read's worth: a whole message or a piece of one.
struct Piece {
  std::size_t n = 0;
  bool eor = true;
  bool notification = false;
  bool has_info = false;
  std::uint16_t sid = 0;
  std::uint32_t ppid = 0;
};

void PutSeq(std::span<std::byte> msg, std::uint64_t seq) { std::memcpy(msg.data(), &seq, kSeqBytes); }

// Checks the messages one side receives, piece by piece: each must be
// `size` bytes long, carry the next sequence number in its first bytes and,
// where the variant reports it, the benchmark's stream and PPID.
class Checker {
 public:
  explicit Checker(std::size_t size) : size_(size) {}

  // Takes one piece; false (with error()) at the first thing wrong.
  bool Add(std::span<const std::byte> data, const Piece& p) {
    if (p.notification) return true;  // not data: nothing to check
    if (p.has_info && (p.sid != kSid || p.ppid != kPpid)) {
      return Fail("message " + std::to_string(next_) + " arrived on stream " + std::to_string(p.sid) + " with PPID " +
                  std::to_string(p.ppid));
    }
    const std::size_t head = std::min(kSeqBytes - std::min(kSeqBytes, got_), data.size());
    std::memcpy(seq_bytes_.data() + std::min(kSeqBytes, got_), data.data(), head);
    got_ += data.size();
    if (got_ > size_) return Fail("message " + std::to_string(next_) + " is longer than " + std::to_string(size_) + " B");
    if (!p.eor) return true;
    if (got_ != size_) {
      return Fail("message " + std::to_string(next_) + " has " + std::to_string(got_) + " B, not " +
                  std::to_string(size_));
    }
    std::uint64_t seq = 0;
    std::memcpy(&seq, seq_bytes_.data(), kSeqBytes);
    if (seq != next_) {
      return Fail("expected message " + std::to_string(next_) + ", got message " + std::to_string(seq) +
                  " (lost, repeated or reordered)");
    }
    ++next_;
    got_ = 0;
    return true;
  }
  // Whole messages checked so far.
  std::uint64_t messages() const { return next_; }
  bool InMessage() const { return got_ != 0; }
  const std::string& error() const { return error_; }

 private:
  bool Fail(std::string why) {
    error_ = std::move(why);
    return false;
  }
  std::size_t size_;
  std::uint64_t next_ = 0;
  std::size_t got_ = 0;
  std::array<std::byte, kSeqBytes> seq_bytes_{};
  std::string error_;
};

// ---------------------------------------------------------------- variants

// One end of an association as one variant drives it. Calls return an
// empty string on success, else what failed.
class End {
 public:
  virtual ~End() = default;
  // Sends every message of `msgs`, each whole, blocking while the send buffer is full.
  virtual std::string Send(std::span<const std::span<const std::byte>> msgs) = 0;
  // Blocks until at least one piece arrives; reads up to bufs.size() pieces,
  // piece i into bufs[i], and describes them in pieces[i].
  virtual std::string Recv(std::span<const std::span<std::byte>> bufs, std::span<Piece> pieces,
                           std::size_t& count) = 0;
  // Ends the association at once (ABORT), so that a peer blocked in a call fails.
  virtual void Abort() = 0;
  virtual int fd() const = 0;
  // Messages per call this variant's streaming sender hands to Send.
  virtual std::size_t batch() const { return 1; }
};

std::string Errno(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

// ---- raw: the system calls, as a program without netsctp makes them

int SetInt(int fd, int level, int name, int value) { return ::setsockopt(fd, level, name, &value, sizeof value); }

// The socket options every variant gets, set as netsctp sets them (see
// lib/internal/socket.cc): buffers (the FORCE option where permitted),
// 10 streams each way, RCVINFO on, NODELAY on.
std::string RawOptions(int fd) {
  if (SetInt(fd, SOL_SOCKET, SO_RCVBUFFORCE, kBufferRequest) != 0 &&
      SetInt(fd, SOL_SOCKET, SO_RCVBUF, kBufferRequest) != 0) {
    return Errno("setsockopt SO_RCVBUF", errno);
  }
  if (SetInt(fd, SOL_SOCKET, SO_SNDBUFFORCE, kBufferRequest) != 0 &&
      SetInt(fd, SOL_SOCKET, SO_SNDBUF, kBufferRequest) != 0) {
    return Errno("setsockopt SO_SNDBUF", errno);
  }
  sctp_initmsg init{};
  init.sinit_num_ostreams = 10;
  init.sinit_max_instreams = 10;
  if (::setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init) != 0) return Errno("SCTP_INITMSG", errno);
  if (SetInt(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1) != 0) return Errno("SCTP_RECVRCVINFO", errno);
  if (SetInt(fd, IPPROTO_SCTP, SCTP_NODELAY, 1) != 0) return Errno("SCTP_NODELAY", errno);
  return {};
}

using SndControl = std::array<std::byte, CMSG_SPACE(sizeof(sctp_sndinfo))>;
using RcvControl = std::array<std::byte, CMSG_SPACE(sizeof(sctp_rcvinfo))>;

// One SCTP_SNDINFO control message: stream and PPID (network order).
void PutSndInfo(SndControl& control) {
  cmsghdr h{};
  h.cmsg_level = IPPROTO_SCTP;
  h.cmsg_type = SCTP_SNDINFO;
  h.cmsg_len = CMSG_LEN(sizeof(sctp_sndinfo));
  sctp_sndinfo info{};
  info.snd_sid = kSid;
  info.snd_ppid = htonl(kPpid);
  std::memcpy(control.data(), &h, sizeof h);
  std::memcpy(control.data() + CMSG_LEN(0), &info, sizeof info);
}

// What one recvmsg (or recvmmsg entry) of `n` bytes read, as a Piece: the
// flags, and the one control message asked for (RCVINFO), read without the
// CMSG macros' casts.
Piece ToPiece(std::size_t n, const msghdr& mh, const RcvControl& control) {
  Piece p;
  p.n = n;
  p.eor = (mh.msg_flags & MSG_EOR) != 0;
  p.notification = (mh.msg_flags & MSG_NOTIFICATION) != 0;
  cmsghdr h{};
  if (mh.msg_controllen >= CMSG_LEN(sizeof(sctp_rcvinfo))) {
    std::memcpy(&h, control.data(), sizeof h);
    if (h.cmsg_level == IPPROTO_SCTP && h.cmsg_type == SCTP_RCVINFO) {
      sctp_rcvinfo info{};
      std::memcpy(&info, control.data() + CMSG_LEN(0), sizeof info);
      p.has_info = true;
      p.sid = info.rcv_sid;
      p.ppid = ntohl(info.rcv_ppid);
    }
  }
  return p;
}

class RawEnd : public End {
 public:
  explicit RawEnd(int fd) : fd_(fd) {}
  ~RawEnd() override {
    if (fd_ >= 0) ::close(fd_);
  }
  RawEnd(const RawEnd&) = delete;
  RawEnd& operator=(const RawEnd&) = delete;

  std::string Send(std::span<const std::span<const std::byte>> msgs) override {
    for (const auto& m : msgs) {
      alignas(cmsghdr) SndControl control{};
      PutSndInfo(control);
      iovec iov{const_cast<std::byte*>(m.data()), m.size()};
      msghdr mh{};
      mh.msg_iov = &iov;
      mh.msg_iovlen = 1;
      mh.msg_control = control.data();
      mh.msg_controllen = control.size();
      ssize_t r;
      do {
        r = ::sendmsg(fd_, &mh, MSG_NOSIGNAL);
      } while (r < 0 && errno == EINTR);
      if (r < 0) return Errno("sendmsg", errno);
      if (static_cast<std::size_t>(r) != m.size()) return "sendmsg sent " + std::to_string(r) + " B";
    }
    return {};
  }

  std::string Recv(std::span<const std::span<std::byte>> bufs, std::span<Piece> pieces, std::size_t& count) override {
    alignas(cmsghdr) RcvControl control;
    iovec iov{bufs[0].data(), bufs[0].size()};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control.data();
    mh.msg_controllen = control.size();
    ssize_t r;
    do {
      r = ::recvmsg(fd_, &mh, 0);
    } while (r < 0 && (errno == EINTR || errno == EAGAIN));  // EAGAIN: raw-rcvtimeo's cap ran out
    if (r < 0) return Errno("recvmsg", errno);
    if (r == 0) return "recvmsg: end of stream";
    pieces[0] = ToPiece(static_cast<std::size_t>(r), mh, control);
    count = 1;
    return {};
  }

  // Only the thread that uses this end calls it (after its own call failed).
  void Abort() override {
    if (fd_ < 0) return;
    linger l{1, 0};  // a close with linger 0 sends ABORT
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd_);
    fd_ = -1;
  }
  int fd() const override { return fd_; }

 protected:
  int fd_;
};

// raw-batch: sendmmsg/recvmmsg as a program without netsctp batches them:
// runs of messages with MSG_MORE on all but the last (sent alone, which lets
// them go), each with its own SCTP_SNDINFO; recvmmsg with MSG_WAITFORONE and
// room for one SCTP_RCVINFO per message. A run holds at most what half the
// send buffer takes (each message charged 2 x its size + 2 KiB), since data
// held by MSG_MORE waits for the run's last send.
class RawBatchEnd final : public RawEnd {
 public:
  RawBatchEnd(int fd, std::size_t size)
      : RawEnd(fd), run_(std::clamp<std::size_t>(std::size_t{kBufferRequest} / (2 * size + 2048), 1, kBatch)) {}
  std::size_t batch() const override { return kBatch; }

  std::string Send(std::span<const std::span<const std::byte>> msgs) override {
    while (!msgs.empty()) {
      const std::size_t k = std::min(msgs.size(), run_);
      std::array<mmsghdr, kBatch> hdrs{};
      std::array<iovec, kBatch> iovs;
      alignas(cmsghdr) std::array<SndControl, kBatch> controls{};
      for (std::size_t i = 0; i < k; ++i) {
        PutSndInfo(controls[i]);
        iovs[i] = {const_cast<std::byte*>(msgs[i].data()), msgs[i].size()};
        hdrs[i].msg_hdr.msg_iov = &iovs[i];
        hdrs[i].msg_hdr.msg_iovlen = 1;
        hdrs[i].msg_hdr.msg_control = controls[i].data();
        hdrs[i].msg_hdr.msg_controllen = controls[i].size();
      }
      std::size_t sent = 0;
      while (sent < k) {
        const bool last = sent == k - 1;
        int r;
        do {
          r = ::sendmmsg(fd_, hdrs.data() + sent, static_cast<unsigned>(last ? 1 : k - 1 - sent),
                         MSG_NOSIGNAL | (last ? 0 : MSG_MORE));
        } while (r < 0 && errno == EINTR);
        if (r < 0) return Errno("sendmmsg", errno);
        if (r == 0) return "sendmmsg sent nothing";
        sent += static_cast<std::size_t>(r);
      }
      msgs = msgs.subspan(k);
    }
    return {};
  }

  std::string Recv(std::span<const std::span<std::byte>> bufs, std::span<Piece> pieces, std::size_t& count) override {
    const std::size_t k = std::min({bufs.size(), pieces.size(), kBatch});
    std::array<mmsghdr, kBatch> hdrs{};
    std::array<iovec, kBatch> iovs;
    alignas(cmsghdr) std::array<RcvControl, kBatch> controls;
    for (std::size_t i = 0; i < k; ++i) {
      iovs[i] = {bufs[i].data(), bufs[i].size()};
      hdrs[i].msg_hdr.msg_iov = &iovs[i];
      hdrs[i].msg_hdr.msg_iovlen = 1;
      hdrs[i].msg_hdr.msg_control = controls[i].data();
      hdrs[i].msg_hdr.msg_controllen = controls[i].size();
    }
    int r;
    do {
      r = ::recvmmsg(fd_, hdrs.data(), static_cast<unsigned>(k), MSG_WAITFORONE, nullptr);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return Errno("recvmmsg", errno);
    for (std::size_t i = 0; i < static_cast<std::size_t>(r); ++i) {
      if (hdrs[i].msg_len == 0) return "recvmmsg: end of stream";
      pieces[i] = ToPiece(hdrs[i].msg_len, hdrs[i].msg_hdr, controls[i]);
    }
    count = static_cast<std::size_t>(r);
    return {};
  }

 private:
  std::size_t run_;  // messages per sendmmsg run
};

// ---- netsctp

Piece FromMessage(const netsctp::Message& m) {
  Piece p;
  p.n = m.n;
  p.eor = m.Eor();
  p.notification = m.Notification();
  p.has_info = m.has_info;
  p.sid = m.info.sid;
  p.ppid = m.info.ppid;
  return p;
}

class NetsctpEnd : public End {
 public:
  explicit NetsctpEnd(netsctp::SctpConn conn) : conn_(std::move(conn)) {
    info_.sid = kSid;
    info_.ppid = kPpid;
  }
  void Abort() override { (void)conn_.Abort(); }
  int fd() const override { return conn_.fd(); }
  netsctp::SctpConn& conn() { return conn_; }

 protected:
  netsctp::SctpConn conn_;
  netsctp::SndInfo info_;
};

std::string Failed(const char* what, const netsctp::Error& e) { return std::string(what) + ": " + e.message(); }

// WriteMsg(buf, SndInfo) / ReadMsg(buf).
class MsgEnd : public NetsctpEnd {
 public:
  using NetsctpEnd::NetsctpEnd;
  std::string Send(std::span<const std::span<const std::byte>> msgs) override {
    for (const auto& m : msgs) {
      auto r = conn_.WriteMsg(m, info_);
      if (!r) return Failed("WriteMsg", r.error());
      if (*r != m.size()) return "WriteMsg sent " + std::to_string(*r) + " B";
    }
    return {};
  }
  std::string Recv(std::span<const std::span<std::byte>> bufs, std::span<Piece> pieces, std::size_t& count) override {
    auto r = conn_.ReadMsg(bufs[0]);
    if (!r) return Failed("ReadMsg", r.error());
    pieces[0] = FromMessage(*r);
    count = 1;
    return {};
  }
};

// Write / Read: a byte-stream-like use. Stream and PPID come from the
// association's default send info (SCTP_DEFAULT_SNDINFO), set once; Read
// reports no boundaries, so a message is complete once `size` bytes are in.
class RwEnd final : public NetsctpEnd {
 public:
  RwEnd(netsctp::SctpConn conn, std::size_t size) : NetsctpEnd(std::move(conn)), size_(size) {}
  std::string Send(std::span<const std::span<const std::byte>> msgs) override {
    for (const auto& m : msgs) {
      auto r = conn_.Write(m);
      if (!r) return Failed("Write", r.error());
      if (*r != m.size()) return "Write sent " + std::to_string(*r) + " B";
    }
    return {};
  }
  std::string Recv(std::span<const std::span<std::byte>> bufs, std::span<Piece> pieces, std::size_t& count) override {
    auto r = conn_.Read(bufs[0]);
    if (!r) return Failed("Read", r.error());
    got_ += *r;
    Piece& p = pieces[0];
    p = Piece{};
    p.n = *r;
    p.eor = got_ >= size_;
    if (p.eor) got_ = 0;
    count = 1;
    return {};
  }

 private:
  std::size_t size_;
  std::size_t got_ = 0;
};

// WriteMsg (as MsgEnd) / ReadMsgOrEvent: the common event loop's read.
class EventEnd final : public MsgEnd {
 public:
  using MsgEnd::MsgEnd;
  std::string Recv(std::span<const std::span<std::byte>> bufs, std::span<Piece> pieces, std::size_t& count) override {
    auto r = conn_.ReadMsgOrEvent(bufs[0]);
    if (!r) return Failed("ReadMsgOrEvent", r.error());
    pieces[0] = FromMessage(r->msg);
    pieces[0].notification = r->IsEvent();
    count = 1;
    return {};
  }
};

// WriteMsgs / ReadMsgs, up to kBatch messages per system call.
class BatchEnd final : public NetsctpEnd {
 public:
  using NetsctpEnd::NetsctpEnd;
  std::size_t batch() const override { return kBatch; }
  std::string Send(std::span<const std::span<const std::byte>> msgs) override {
    while (!msgs.empty()) {
      const std::size_t k = std::min(msgs.size(), kBatch);
      std::array<netsctp::OutMsg, kBatch> out;
      for (std::size_t i = 0; i < k; ++i) out[i] = {msgs[i], &info_};
      auto r = conn_.WriteMsgs(std::span<const netsctp::OutMsg>(out.data(), k));
      if (!r) return Failed("WriteMsgs", r.error());
      if (*r == 0 || *r > k) return "WriteMsgs sent " + std::to_string(*r) + " of " + std::to_string(k);
      msgs = msgs.subspan(*r);
    }
    return {};
  }
  std::string Recv(std::span<const std::span<std::byte>> bufs, std::span<Piece> pieces, std::size_t& count) override {
    const std::size_t k = std::min({bufs.size(), pieces.size(), kBatch});
    std::array<netsctp::InMsg, kBatch> in;
    for (std::size_t i = 0; i < k; ++i) in[i].buf = bufs[i];
    auto r = conn_.ReadMsgs(std::span<netsctp::InMsg>(in.data(), k));
    if (!r) return Failed("ReadMsgs", r.error());
    if (*r == 0 || *r > k) return "ReadMsgs read " + std::to_string(*r) + " of at most " + std::to_string(k);
    for (std::size_t i = 0; i < *r; ++i) pieces[i] = FromMessage(in[i].msg);
    count = *r;
    return {};
  }
};

// ---------------------------------------------------------------- set-up

struct EndPair {
  std::unique_ptr<End> client;
  std::unique_ptr<End> server;
  int buffers[4] = {0, 0, 0, 0};  // client SO_SNDBUF, SO_RCVBUF, server SO_SNDBUF, SO_RCVBUF as read back
};

int GetInt(int fd, int level, int name) {
  int v = 0;
  socklen_t len = sizeof v;
  return ::getsockopt(fd, level, name, &v, &len) == 0 ? v : -1;
}

// raw: socket/bind/listen on 127.0.0.1 (a free port), connect, accept.
std::string ConnectRaw(const std::string& variant, std::size_t size, EndPair& out) {
  const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);
  if (lfd < 0) return Errno("socket", errno);
  std::string err = RawOptions(lfd);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (err.empty() && ::bind(lfd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) err = Errno("bind", errno);
  if (err.empty() && ::listen(lfd, 16) != 0) err = Errno("listen", errno);
  if (err.empty() && ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) err = Errno("getsockname", errno);
  int cfd = -1;
  if (err.empty()) {
    cfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);
    if (cfd < 0) err = Errno("socket", errno);
  }
  if (err.empty()) err = RawOptions(cfd);
  if (err.empty() && ::connect(cfd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    err = Errno("connect", errno);
  }
  int sfd = -1;
  if (err.empty()) {
    sfd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (sfd < 0) err = Errno("accept", errno);
  }
  // An accepted socket inherits the listener's options; set them again all
  // the same, as a careful program would.
  if (err.empty()) err = RawOptions(sfd);
  if (err.empty() && variant == "raw-rcvtimeo") {
    const timeval cap{0, 200'000};
    for (int fd : {cfd, sfd}) {
      if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &cap, sizeof cap) != 0) err = Errno("SO_RCVTIMEO", errno);
    }
  }
  ::close(lfd);
  if (!err.empty()) {
    if (cfd >= 0) ::close(cfd);
    if (sfd >= 0) ::close(sfd);
    return "raw set-up: " + err;
  }
  if (variant == "raw-batch") {
    out.client = std::make_unique<RawBatchEnd>(cfd, size);
    out.server = std::make_unique<RawBatchEnd>(sfd, size);
  } else {
    out.client = std::make_unique<RawEnd>(cfd);
    out.server = std::make_unique<RawEnd>(sfd);
  }
  return {};
}

std::string ConnectNetsctp(const std::string& variant, std::size_t size, EndPair& out) {
  netsctp::ListenConfig lc;
  lc.init_options.socket_read_buffer_size = kBufferRequest;
  lc.init_options.socket_write_buffer_size = kBufferRequest;
  auto listener = lc.Listen("sctp4", "127.0.0.1:0");
  if (!listener) return Failed("listen", listener.error());
  netsctp::Dialer d;
  d.init_options = lc.init_options;
  d.timeout = std::chrono::seconds(30);
  auto client = d.Dial("sctp4", "127.0.0.1:" + std::to_string(listener->Addr().port));
  if (!client) return Failed("dial", client.error());
  auto server = listener->Accept();
  if (!server) return Failed("accept", server.error());
  // netsctp's defaults already have NODELAY and RCVINFO on: set NODELAY
  // again so that the benchmark does not depend on a default.
  for (netsctp::SctpConn* c : {&*client, &*server}) {
    if (auto r = c->SetNoDelay(true); !r) return Failed("SetNoDelay", r.error());
  }
  if (variant == "netsctp-rw") {
    netsctp::SndInfo info;
    info.sid = kSid;
    info.ppid = kPpid;
    for (netsctp::SctpConn* c : {&*client, &*server}) {
      if (auto r = c->SetDefaultSndInfo(info); !r) return Failed("SetDefaultSndInfo", r.error());
    }
    out.client = std::make_unique<RwEnd>(std::move(*client), size);
    out.server = std::make_unique<RwEnd>(std::move(*server), size);
  } else if (variant == "netsctp-msg") {
    out.client = std::make_unique<MsgEnd>(std::move(*client));
    out.server = std::make_unique<MsgEnd>(std::move(*server));
  } else if (variant == "netsctp-event") {
    out.client = std::make_unique<EventEnd>(std::move(*client));
    out.server = std::make_unique<EventEnd>(std::move(*server));
  } else if (variant == "netsctp-batch") {
    out.client = std::make_unique<BatchEnd>(std::move(*client));
    out.server = std::make_unique<BatchEnd>(std::move(*server));
  } else {
    return "unknown variant " + variant;
  }
  return {};
}

std::string Connect(const std::string& variant, std::size_t size, EndPair& out) {
  std::string err = variant.starts_with("raw") ? ConnectRaw(variant, size, out)
                                               : ConnectNetsctp(variant, size, out);
  if (!err.empty()) return err;
  out.buffers[0] = GetInt(out.client->fd(), SOL_SOCKET, SO_SNDBUF);
  out.buffers[1] = GetInt(out.client->fd(), SOL_SOCKET, SO_RCVBUF);
  out.buffers[2] = GetInt(out.server->fd(), SOL_SOCKET, SO_SNDBUF);
  out.buffers[3] = GetInt(out.server->fd(), SOL_SOCKET, SO_RCVBUF);
  return {};
}

// ---------------------------------------------------------------- runs

// What one side saw over its own steady window.
struct Window {
  std::uint64_t messages = 0;
  long allocations = 0;
  long syscalls = -1;  // -1: not counted
  Clock::duration elapsed{};
};

struct Run {
  std::string pattern;  // "stream", "pingpong" or "wait"
  std::size_t size = 0;
  std::string variant;
  std::string error;  // set: no figures
  Window timed;       // the receiver's (stream) or the client's (ping-pong) window
  Window other;       // the sender's or the echo server's
  int buffers[4] = {0, 0, 0, 0};

  std::string Key() const { return variant + '/' + pattern + '/' + std::to_string(size); }
  double NsPerMsg() const {
    return timed.messages == 0 ? 0
                               : static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                         timed.elapsed)
                                                         .count()) /
                                     static_cast<double>(timed.messages);
  }
  // Both sides' system calls per message, each over its own window; < 0 when not counted.
  double SyscallsPerMsg() const {
    if (timed.syscalls < 0 || other.syscalls < 0 || timed.messages == 0 || other.messages == 0) return -1;
    return static_cast<double>(timed.syscalls) / static_cast<double>(timed.messages) +
           static_cast<double>(other.syscalls) / static_cast<double>(other.messages);
  }
  double AllocsPerMsg() const {
    auto per = [](const Window& w) {
      return w.messages == 0 ? 0.0 : static_cast<double>(w.allocations) / static_cast<double>(w.messages);
    };
    return per(timed) + per(other);
  }
};

// The steady window of one side: timing, allocation counting and, with
// --mark, the marker system calls strace finds (bench/results.py).
class WindowClock {
 public:
  // `tracepoint`: count system calls with syscall_count.h (>= 0), or not (-1).
  WindowClock(bool mark, long tracepoint, std::string prefix)
      : mark_(mark), tracepoint_(tracepoint), prefix_(std::move(prefix)) {}
  void Open(std::uint64_t at) {
    if (mark_) Mark("begin");
    begin_at_ = at;
    alloc_count::Start();
    if (tracepoint_ >= 0) counting_ = syscalls_.Start(tracepoint_);
    t0_ = Clock::now();
  }
  Window Close(std::uint64_t at) {
    const Clock::time_point t1 = Clock::now();
    Window w;
    if (counting_) w.syscalls = syscalls_.Stop();
    w.allocations = alloc_count::Stop();
    w.elapsed = t1 - t0_;
    w.messages = at - begin_at_;
    if (mark_) Mark("end/" + std::to_string(w.messages));
    return w;
  }

 private:
  // A system call that fails harmlessly and names the window in strace's log.
  void Mark(const std::string& what) const {
    const std::string path = "/netsctp-bench-mark/" + prefix_ + '/' + what;
    (void)::access(path.c_str(), F_OK);
  }
  bool mark_;
  long tracepoint_;
  bool counting_ = false;
  syscall_count::Counter syscalls_;
  std::string prefix_;
  std::uint64_t begin_at_ = 0;
  Clock::time_point t0_{};
};

// Buffers for one side: kBatch send buffers of `size` and kBatch receive
// buffers with room for a too-long message to show.
struct Buffers {
  std::vector<std::vector<std::byte>> out;
  std::vector<std::vector<std::byte>> in;
  std::vector<std::span<const std::byte>> out_spans;
  std::vector<std::span<std::byte>> in_spans;
  std::vector<Piece> pieces;

  explicit Buffers(std::size_t size) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      out.emplace_back(size);
      for (std::size_t j = kSeqBytes; j < size; ++j) out[i][j] = static_cast<std::byte>(j * 7 + 3);
      in.emplace_back(size + 64);
    }
    for (auto& b : out) out_spans.emplace_back(b);
    for (auto& b : in) in_spans.emplace_back(b);
    pieces.resize(kBatch);
  }
};

// The side that reads: reads and checks messages until `n` have arrived,
// its window from message `from` on; echoes each message when `echo` (only
// whole messages that fit in one piece, which ping-pong's one message in
// flight always is).
std::string ReceiveSide(End& end, std::size_t size, std::uint64_t n, std::uint64_t from, bool echo,
                        bool yield_first, WindowClock& clock, Window& window) {
  Buffers b(size);
  Checker check(size);
  bool begun = false;
  std::vector<std::span<const std::byte>> echoes;
  echoes.reserve(kBatch);
  while (check.messages() < n) {
    if (!begun && check.messages() >= from && !check.InMessage()) {
      clock.Open(check.messages());
      begun = true;
    }
    std::size_t count = 0;
    if (std::string err = end.Recv(b.in_spans, b.pieces, count); !err.empty()) return err;
    echoes.clear();
    for (std::size_t i = 0; i < count; ++i) {
      const Piece& p = b.pieces[i];
      const auto data = std::span<const std::byte>(b.in[i].data(), p.n);
      if (!check.Add(data, p)) return check.error();
      if (echo && !p.notification) {
        if (!p.eor || p.n != size) return "ping-pong: message arrived in pieces";
        echoes.push_back(data);
      }
    }
    if (!echoes.empty()) {
      // The wait pattern: let the client run first, so that its read finds
      // nothing and waits for the echo (on one CPU, every round trip).
      if (yield_first) sched_yield();
      if (std::string err = end.Send(echoes); !err.empty()) return err;
    }
  }
  window = clock.Close(check.messages());
  return {};
}

// The streaming sender: `n` messages as fast as the send buffer takes them,
// its window from message `from` on (in whole batches).
std::string StreamSender(End& end, std::size_t size, std::uint64_t n, std::uint64_t from, WindowClock& clock,
                         Window& window) {
  Buffers b(size);
  const std::size_t batch = end.batch();
  bool begun = false;
  for (std::uint64_t seq = 0; seq < n;) {
    if (!begun && seq >= from) {
      clock.Open(seq);
      begun = true;
    }
    const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(batch, n - seq));
    for (std::size_t i = 0; i < k; ++i) PutSeq(b.out[i], seq + i);
    if (std::string err = end.Send(std::span(b.out_spans).first(k)); !err.empty()) return err;
    seq += k;
  }
  if (!begun) clock.Open(n);  // N too small for a whole batch after N/10: an empty window
  window = clock.Close(n);
  return {};
}

// The ping-pong client: one message out, its echo back, `n` times; its
// window from round trip `from` on.
std::string PingClient(End& end, std::size_t size, std::uint64_t n, std::uint64_t from, WindowClock& clock,
                       Window& window) {
  Buffers b(size);
  Checker check(size);
  for (std::uint64_t seq = 0; seq < n; ++seq) {
    if (seq == from) clock.Open(seq);
    PutSeq(b.out[0], seq);
    if (std::string err = end.Send(std::span(b.out_spans).first(1)); !err.empty()) return err;
    while (check.messages() == seq) {
      std::size_t count = 0;
      if (std::string err = end.Recv(b.in_spans, b.pieces, count); !err.empty()) return err;
      for (std::size_t i = 0; i < count; ++i) {
        if (!check.Add(std::span<const std::byte>(b.in[i].data(), b.pieces[i].n), b.pieces[i])) return check.error();
      }
      if (check.messages() > seq + 1) return "ping-pong: an echo came that was never asked for";
    }
  }
  window = clock.Close(n);
  return {};
}

Run RunOne(const Options& o, long tracepoint, const std::string& pattern, std::size_t size,
           const std::string& variant) {
  Run run;
  run.pattern = pattern;
  run.size = size;
  run.variant = variant;
  EndPair pair;
  if (std::string err = Connect(variant, size, pair); !err.empty()) {
    run.error = err;
    return run;
  }
  std::copy(std::begin(pair.buffers), std::end(pair.buffers), std::begin(run.buffers));
  const std::uint64_t n = o.n;
  const std::uint64_t from = n / 10;
  const std::string key = run.Key();
  WindowClock client_clock(o.mark, tracepoint, key + "/client");
  WindowClock server_clock(o.mark, tracepoint, key + "/server");
  std::string client_err;
  std::string server_err;
  // The client sends (stream) or pings (ping-pong) on its own thread; the
  // server receives (and echoes) on this one. Whichever fails aborts its own
  // end, so that the other, perhaps blocked, fails too and both threads end.
  std::thread client([&] {
    client_err = pattern == "stream" ? StreamSender(*pair.client, size, n, from, client_clock, run.other)
                                     : PingClient(*pair.client, size, n, from, client_clock, run.timed);
    if (!client_err.empty()) pair.client->Abort();
  });
  server_err = ReceiveSide(*pair.server, size, n, from, pattern != "stream", pattern == "wait", server_clock,
                           pattern == "stream" ? run.timed : run.other);
  if (!server_err.empty()) pair.server->Abort();
  client.join();
  if (!server_err.empty()) {
    run.error = "server: " + server_err;
  } else if (!client_err.empty()) {
    run.error = "client: " + client_err;
  } else if (tracepoint >= 0 && run.SyscallsPerMsg() < 0) {
    run.error = "the system call counter failed";
  }
  return run;
}

// ---------------------------------------------------------------- output

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
      out += esc;
    } else {
      out += c;
    }
  }
  return out + '"';
}

const Run* FindRaw(const std::vector<Run>& runs, const Run& r) {
  for (const Run& x : runs) {
    if (x.variant == "raw" && x.pattern == r.pattern && x.size == r.size && x.error.empty()) return &x;
  }
  return nullptr;
}

double Ratio(const std::vector<Run>& runs, const Run& r) {
  const Run* raw = FindRaw(runs, r);
  if (raw == nullptr || raw->NsPerMsg() <= 0 || !r.error.empty()) return 0;
  return r.NsPerMsg() / raw->NsPerMsg();
}

void PrintTable(const Options& o, const std::vector<Run>& runs, Lab lab) {
  const bool icount = lab == Lab::kIcount;
  std::printf("netsctp_bench: lab %s%s; two threads of one process (sender/client and receiver/server); "
              "N=%" PRIu64 ", steady window messages N/10..N\n",
              LabName(), icount ? " (icount: 1 ns = 1 guest instruction)" : "", o.n);
  std::printf("time per message (round trip for ping-pong) in %s; msg/s%s; allocations and system calls per "
              "message over both sides%s\n",
              TimeUnit(lab), lab == Lab::kNative ? "" : " in emulated time",
              o.count_syscalls ? " (system calls by perf counter: this pass's times are not the figures)"
                               : " (system calls: the separate pass of tools/bench)");
  std::printf("%-9s %6s  %-14s %14s %12s %10s %12s %9s\n", "pattern", "size", "variant",
              icount ? "k instr/msg" : "ns/msg", "msg/s", "allocs/msg", "syscalls/msg", "vs raw");
  for (const Run& r : runs) {
    if (!r.error.empty()) {
      std::printf("%-9s %6zu  %-14s ERROR: %s\n", r.pattern.c_str(), r.size, r.variant.c_str(), r.error.c_str());
      continue;
    }
    const double ns = r.NsPerMsg();
    const double ratio = Ratio(runs, r);
    char ratio_text[32] = "-";
    if (ratio > 0) std::snprintf(ratio_text, sizeof ratio_text, "%.3f", ratio);
    char sys_text[32] = "-";
    if (r.SyscallsPerMsg() >= 0) std::snprintf(sys_text, sizeof sys_text, "%.2f", r.SyscallsPerMsg());
    std::printf("%-9s %6zu  %-14s %14.1f %12.0f %10.3f %12s %9s\n", r.pattern.c_str(), r.size, r.variant.c_str(),
                icount ? ns / 1000 : ns, ns > 0 ? 1e9 / ns : 0.0, r.AllocsPerMsg(), sys_text, ratio_text);
  }
  std::fflush(stdout);
}

void WriteJson(const Options& o, const std::vector<Run>& runs, Lab lab) {
  std::FILE* f = std::fopen(o.json.c_str(), "w");
  if (f == nullptr) {
    std::fprintf(stderr, "netsctp_bench: cannot write %s: %s\n", o.json.c_str(), std::strerror(errno));
    return;
  }
  std::fprintf(f, "{\n  \"lab\": %s,\n  \"icount\": %s,\n  \"time_unit\": %s,\n  \"sides\": \"threads\",\n",
               JsonString(LabName()).c_str(), lab == Lab::kIcount ? "true" : "false",
               JsonString(lab == Lab::kIcount ? "instructions" : "ns").c_str());
  std::fprintf(f, "  \"n\": %" PRIu64 ",\n  \"batch\": %zu,\n  \"syscall_counter\": %s,\n  \"runs\": [", o.n, kBatch,
               o.count_syscalls ? "\"perf raw_syscalls:sys_enter\"" : "null");
  const char* sep = "\n";
  for (const Run& r : runs) {
    std::fprintf(f, "%s    {\"pattern\": %s, \"size\": %zu, \"variant\": %s", sep, JsonString(r.pattern).c_str(), r.size,
                 JsonString(r.variant).c_str());
    sep = ",\n";
    if (!r.error.empty()) {
      std::fprintf(f, ", \"error\": %s}", JsonString(r.error).c_str());
      continue;
    }
    const double ns = r.NsPerMsg();
    auto ns_of = [](const Window& w) {
      return static_cast<long long>(std::chrono::duration_cast<std::chrono::nanoseconds>(w.elapsed).count());
    };
    std::fprintf(f,
                 ", \"time_per_msg\": %.1f, \"msgs_per_s\": %.1f, \"allocs_per_msg\": %.4f, \"ratio_to_raw\": %.4f,"
                 " \"window_msgs\": %" PRIu64 ", \"window_time\": %lld, \"timed_allocs\": %ld,"
                 " \"other_window_msgs\": %" PRIu64 ", \"other_window_time\": %lld, \"other_allocs\": %ld,"
                 " \"sndbuf\": [%d, %d], \"rcvbuf\": [%d, %d]",
                 ns, ns > 0 ? 1e9 / ns : 0.0, r.AllocsPerMsg(), Ratio(runs, r), r.timed.messages, ns_of(r.timed),
                 r.timed.allocations, r.other.messages, ns_of(r.other), r.other.allocations, r.buffers[0],
                 r.buffers[2], r.buffers[1], r.buffers[3]);
    if (r.SyscallsPerMsg() >= 0) {
      // The timed side is the receiver (server) when streaming, the client in ping-pong.
      const bool stream = r.pattern == "stream";
      const Window& client = stream ? r.other : r.timed;
      const Window& server = stream ? r.timed : r.other;
      std::fprintf(f,
                   ", \"syscalls_per_msg\": %.4f, \"syscalls\": {\"client\": [%ld, %" PRIu64 "], \"server\": [%ld, %" PRIu64
                   "]}",
                   r.SyscallsPerMsg(), client.syscalls, client.messages, server.syscalls, server.messages);
    }
    std::fprintf(f, "}");
  }
  std::fprintf(f, "\n  ]\n}\n");
  std::fclose(f);
}

// ---------------------------------------------------------------- scale

// Raises the descriptor limit to at least `want`; false when it cannot.
bool RaiseFdLimit(rlim_t want, std::string& why) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    why = Errno("getrlimit", errno);
    return false;
  }
  if (lim.rlim_cur >= want) return true;
  rlimit next = lim;
  next.rlim_cur = want;
  if (next.rlim_max < want) next.rlim_max = want;  // needs CAP_SYS_RESOURCE
  if (::setrlimit(RLIMIT_NOFILE, &next) == 0) return true;
  why = Errno("setrlimit RLIMIT_NOFILE", errno) + " (limit " + std::to_string(lim.rlim_cur) + ", hard " +
        std::to_string(lim.rlim_max) + ", needed " + std::to_string(want) + ")";
  return false;
}

int Scale(const Options& o) {
  const long k = o.scale;
  std::string why;
  if (!RaiseFdLimit(static_cast<rlim_t>(2 * k + 64), why)) {
    std::fprintf(stderr, "netsctp_bench: --scale %ld needs %ld descriptors: %s\n", k, 2 * k + 64, why.c_str());
    return 1;
  }
  auto listener = netsctp::Listen("sctp4", "127.0.0.1:0");
  if (!listener) {
    std::fprintf(stderr, "netsctp_bench: listen: %s\n", listener.error().message().c_str());
    return 1;
  }
  const std::string target = "127.0.0.1:" + std::to_string(listener->Addr().port);
  netsctp::Dialer d;
  d.timeout = std::chrono::seconds(30);
  std::vector<netsctp::SctpConn> clients;
  std::vector<netsctp::SctpConn> servers;
  // The vectors' storage is reserved before the first sample so that the
  // per-association heap figure holds what the connections themselves
  // allocate (sizeof(SctpConn) is reported beside it).
  clients.reserve(static_cast<std::size_t>(k));
  servers.reserve(static_cast<std::size_t>(k));
  const footprint::Sample before = footprint::Take();
  const Clock::time_point t0 = Clock::now();
  for (long i = 0; i < k; ++i) {
    auto c = d.Dial("sctp4", target);
    if (!c) {
      std::fprintf(stderr, "netsctp_bench: --scale: association %ld of %ld: dial: %s\n", i + 1, k,
                   c.error().message().c_str());
      return 1;
    }
    auto s = listener->Accept();
    if (!s) {
      std::fprintf(stderr, "netsctp_bench: --scale: association %ld of %ld: accept: %s\n", i + 1, k,
                   s.error().message().c_str());
      return 1;
    }
    clients.push_back(std::move(*c));
    servers.push_back(std::move(*s));
  }
  // One checked message on each: all written first, then all read, so that
  // no read waits (a wait would add the wake-up descriptor blocking mode keeps).
  std::array<std::byte, 64> out{};
  std::array<std::byte, 256> in{};
  netsctp::SndInfo info;
  info.sid = kSid;
  info.ppid = kPpid;
  for (long i = 0; i < k; ++i) {
    PutSeq(out, static_cast<std::uint64_t>(i));
    auto w = clients[static_cast<std::size_t>(i)].WriteMsg(out, info);
    if (!w) {
      std::fprintf(stderr, "netsctp_bench: --scale: WriteMsg %ld: %s\n", i, w.error().message().c_str());
      return 1;
    }
  }
  for (long i = 0; i < k; ++i) {
    auto& s = servers[static_cast<std::size_t>(i)];
    for (;;) {
      auto r = s.ReadMsg(in);
      if (!r) {
        std::fprintf(stderr, "netsctp_bench: --scale: ReadMsg %ld: %s\n", i, r.error().message().c_str());
        return 1;
      }
      if (r->Notification()) continue;
      std::uint64_t seq = 0;
      std::memcpy(&seq, in.data(), kSeqBytes);
      if (r->n != out.size() || !r->Eor() || seq != static_cast<std::uint64_t>(i) || r->info.sid != kSid ||
          r->info.ppid != kPpid) {
        std::fprintf(stderr, "netsctp_bench: --scale: association %ld: wrong message (%zu B, seq %" PRIu64 ")\n", i,
                     r->n, seq);
        return 1;
      }
      break;
    }
  }
  const footprint::Sample now = footprint::Take();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const double kd = static_cast<double>(k);
  const double heap = static_cast<double>(now.heap - before.heap) / kd;
  const double fds = static_cast<double>(now.fds - before.fds) / kd;
  const double slab = before.slab_kib >= 0 ? static_cast<double>(now.slab_kib - before.slab_kib) / kd : -1;
  const double memfree = before.free_kib >= 0 ? static_cast<double>(before.free_kib - now.free_kib) / kd : -1;
  std::printf("netsctp_bench --scale %ld: lab %s; %ld associations, both ends in this process, one message each; "
              "%.1f s (%s)\n",
              k, LabName(), k, secs, CurrentLab() == Lab::kNative ? "wall time" : "emulated time");
  std::printf("  user-space heap per association (both ends, mallinfo2 delta): %.0f B (%.0f B per SctpConn)"
              " + sizeof(SctpConn) %zu B per end held in place\n",
              heap, heap / 2, sizeof(netsctp::SctpConn));
  std::printf("  descriptors per association: %.2f (both ends; %.2f per SctpConn)\n", fds, fds / 2);
  if (slab >= 0) {
    std::printf("  kernel, machine-wide per association (both ends): slab %.1f KiB, MemFree drop %.1f KiB\n", slab,
                memfree);
  }
  if (now.sctp_assocs >= 0) std::printf("  /proc/net/sctp/assocs lists %lld\n", now.sctp_assocs);
  std::fflush(stdout);
  if (!o.json.empty()) {
    std::FILE* f = std::fopen(o.json.c_str(), "w");
    if (f == nullptr) {
      std::fprintf(stderr, "netsctp_bench: cannot write %s: %s\n", o.json.c_str(), std::strerror(errno));
      return 1;
    }
    std::fprintf(f,
                 "{\n  \"lab\": %s,\n  \"associations\": %ld,\n  \"heap_per_assoc\": %.1f,\n"
                 "  \"heap_per_conn\": %.1f,\n  \"sizeof_sctpconn\": %zu,\n  \"fds_per_assoc\": %.3f,\n"
                 "  \"slab_kib_per_assoc\": %.2f,\n  \"memfree_drop_kib_per_assoc\": %.2f,\n"
                 "  \"proc_sctp_assocs\": %lld,\n  \"seconds\": %.1f\n}\n",
                 JsonString(LabName()).c_str(), k, heap, heap / 2, sizeof(netsctp::SctpConn), fds, slab, memfree,
                 now.sctp_assocs, secs);
    std::fclose(f);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  if (o.scale > 0) return Scale(o);
  const Lab lab = CurrentLab();
  long tracepoint = -1;
  if (o.count_syscalls) {
    tracepoint = syscall_count::TracepointId();
    syscall_count::Counter probe;
    if (tracepoint < 0) {
      std::fprintf(stderr, "netsctp_bench: --count-syscalls: no raw_syscalls:sys_enter tracepoint (tracefs not "
                           "mounted on /sys/kernel/tracing, or a kernel without tracing, e.g. user-mode Linux)\n");
      return 2;
    }
    if (!probe.Start(tracepoint)) {
      std::fprintf(stderr, "netsctp_bench: --count-syscalls: perf_event_open: %s\n", std::strerror(errno));
      return 2;
    }
  }
  std::vector<Run> runs;
  std::vector<std::string> patterns;
  if (o.stream) patterns.emplace_back("stream");
  if (o.pingpong) patterns.emplace_back("pingpong");
  if (o.wait) patterns.emplace_back("wait");
  bool failed = false;
  for (const std::string& pattern : patterns) {
    for (std::size_t size : o.sizes) {
      for (const std::string& variant : o.variants) {
        runs.push_back(RunOne(o, tracepoint, pattern, size, variant));
        const Run& r = runs.back();
        if (!r.error.empty()) {
          failed = true;
          std::fprintf(stderr, "netsctp_bench: %s: %s\n", r.Key().c_str(), r.error.c_str());
        } else if (!o.quiet) {
          // Progress: a full run takes minutes in the lab.
          std::fprintf(stderr, "netsctp_bench: %s: %.1f %s\n", r.Key().c_str(),
                       lab == Lab::kIcount ? r.NsPerMsg() / 1000 : r.NsPerMsg(), TimeUnit(lab));
        }
      }
    }
  }
  if (!o.quiet) PrintTable(o, runs, lab);
  if (!o.json.empty()) WriteJson(o, runs, lab);
  return failed ? 1 : 0;
}
