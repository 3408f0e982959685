// libFuzzer target: the decoders of what the kernel hands back beside
// notifications (parse_event_fuzz covers those): the ancillary data of a
// received message (DecodeRcvInfo), single sockaddrs (ParseSockaddr) and the
// address lists of SCTP_GET_LOCAL_ADDRS / SCTP_GET_PEER_ADDRS (UnpackAddrs,
// UnpackGetAddrs); and EncodeSndInfo, whose output the kernel reads.
//
// Each input is decoded as it is, under ASan and UBSan. The same bytes then
// drive the building of well-formed control buffers (other control messages
// of any size, then an SCTP_RCVINFO, then trailing bytes), for which
// DecodeRcvInfo must find exactly the fields written, in host order, and
// must refuse every cut that ends inside the SCTP_RCVINFO.
// Built by meson with -Dfuzz=true (clang only); run with tools/fuzz kernel_bytes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <span>
#include <vector>

#include "internal/cmsg.h"
#include "internal/sockaddr.h"

namespace {

using netsctp::internal::DecodeRcvInfo;

void Check(bool ok) {
  if (!ok) std::abort();
}

// Reads the input front to back; past the end it yields zeros.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  template <typename T>
  T Value() {
    T v{};
    std::uint8_t raw[sizeof v];
    for (std::uint8_t& b : raw) b = Byte();
    std::memcpy(&v, raw, sizeof v);
    return v;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

void AppendCmsg(std::vector<std::byte>& out, int level, int type, const void* payload, std::size_t len) {
  const std::size_t at = out.size();
  out.resize(at + CMSG_SPACE(len));
  cmsghdr h{};
  h.cmsg_len = CMSG_LEN(len);
  h.cmsg_level = level;
  h.cmsg_type = type;
  std::memcpy(out.data() + at, &h, sizeof h);
  if (len != 0) std::memcpy(out.data() + at + CMSG_LEN(0), payload, len);
}

// Everything decoded straight from the input.
void DecodeRaw(std::span<const std::byte> bytes) {
  netsctp::RcvInfo info;
  (void)DecodeRcvInfo(bytes, info);

  if (auto sa = netsctp::internal::ParseSockaddr(bytes)) {
    Check(sa->size == sizeof(sockaddr_in) || sa->size == sizeof(sockaddr_in6));
    Check(sa->size <= bytes.size());
    sa_family_t family = 0;
    std::memcpy(&family, bytes.data(), sizeof family);
    // Written back in its own family and read again: the same address and port.
    sockaddr_storage ss;
    const socklen_t len = netsctp::internal::ToSockaddr(sa->ip, sa->port, family, ss);
    Check(len == sa->size);
    auto again = netsctp::internal::ParseSockaddr(std::as_bytes(std::span(&ss, 1)).first(len));
    Check(again.has_value());
    Check(again->ip == sa->ip && again->port == sa->port && again->ip.Is4() == sa->ip.Is4());
  }

  if (auto list = netsctp::internal::UnpackGetAddrs(bytes)) {
    std::uint32_t num = 0;
    std::memcpy(&num, bytes.data() + offsetof(sctp_getaddrs, addr_num), sizeof num);
    Check(list->ip_addrs.size() == num);
  }

  if (bytes.size() >= sizeof(std::int32_t)) {
    // Any count, however far beyond what the bytes hold.
    std::int32_t count = 0;
    std::memcpy(&count, bytes.data(), sizeof count);
    auto list = netsctp::internal::UnpackAddrs(bytes.subspan(sizeof count), count);
    if (list) Check(count >= 0 && list->ip_addrs.size() == static_cast<std::size_t>(count));
    if (count < 0) Check(!list.has_value());
  }
}

// A control buffer as recvmsg fills it, with an SCTP_RCVINFO after other
// control messages; DecodeRcvInfo must return what was written.
void DecodeBuilt(Reader& in) {
  std::vector<std::byte> control;
  const int before = in.Byte() % 5;
  for (int i = 0; i < before; ++i) {
    static constexpr int kOthers[][2] = {
        {IPPROTO_SCTP, SCTP_SNDINFO}, {IPPROTO_SCTP, SCTP_NXTINFO}, {IPPROTO_SCTP, SCTP_SNDRCV},
        {SOL_SOCKET, SCM_TIMESTAMP}, {IPPROTO_IP, SCTP_RCVINFO},  // right type, wrong level
        {SOL_SOCKET, SCTP_RCVINFO},
    };
    const std::uint8_t pick = in.Byte();
    const auto& other = kOthers[pick % std::size(kOthers)];
    std::uint8_t payload[64];
    const std::size_t len = in.Byte() % sizeof payload;
    for (std::size_t j = 0; j < len; ++j) payload[j] = in.Byte();
    AppendCmsg(control, other[0], other[1], payload, len);
  }
  const auto k = in.Value<sctp_rcvinfo>();
  AppendCmsg(control, IPPROTO_SCTP, SCTP_RCVINFO, &k, sizeof k);
  const std::size_t rcvinfo_end = control.size() - CMSG_SPACE(sizeof k) + CMSG_LEN(sizeof k);
  const std::uint8_t tail = in.Byte();
  if (tail & 0x80) {
    control.resize(rcvinfo_end);  // recvmsg can end the buffer right after the last payload
  } else {
    for (int j = 0; j < (tail & 0x3f); ++j) control.push_back(std::byte{in.Byte()});
  }

  // An exact-size heap copy, so ASan sees any read past the end.
  {
    std::vector<std::byte> exact(control);
    netsctp::RcvInfo out;
    Check(DecodeRcvInfo(exact, out));
    Check(out.sid == k.rcv_sid && out.ssn == k.rcv_ssn && out.flags == k.rcv_flags);
    Check(out.ppid == ntohl(k.rcv_ppid));
    Check(out.tsn == k.rcv_tsn && out.cumtsn == k.rcv_cumtsn && out.context == k.rcv_context);
    Check(out.assoc_id == k.rcv_assoc_id);
  }
  // Cut anywhere inside the SCTP_RCVINFO: never found, never read past the cut.
  const std::size_t cut = rcvinfo_end - 1 - in.Byte() % CMSG_LEN(sizeof k);
  std::vector<std::byte> shorter(control.begin(), control.begin() + static_cast<std::ptrdiff_t>(cut));
  netsctp::RcvInfo out;
  Check(!DecodeRcvInfo(shorter, out));
}

// EncodeSndInfo writes one complete SCTP_SNDINFO or nothing.
void Encode(Reader& in) {
  netsctp::SndInfo info;
  info.sid = in.Value<std::uint16_t>();
  info.flags = static_cast<netsctp::SndFlags>(in.Value<std::uint16_t>());
  info.ppid = in.Value<std::uint32_t>();
  info.context = in.Value<std::uint32_t>();
  info.assoc_id = in.Value<std::int32_t>();
  std::vector<std::byte> out(in.Byte() % (netsctp::internal::kSndInfoSpace + 8));
  const std::size_t n = netsctp::internal::EncodeSndInfo(info, out);
  if (out.size() < netsctp::internal::kSndInfoSpace) {
    Check(n == 0);
    return;
  }
  Check(n == netsctp::internal::kSndInfoSpace);
  cmsghdr h;
  std::memcpy(&h, out.data(), sizeof h);
  Check(h.cmsg_level == IPPROTO_SCTP && h.cmsg_type == SCTP_SNDINFO && h.cmsg_len == CMSG_LEN(sizeof(sctp_sndinfo)));
  sctp_sndinfo k;
  std::memcpy(&k, out.data() + CMSG_LEN(0), sizeof k);
  Check(k.snd_sid == info.sid && k.snd_flags == static_cast<std::uint16_t>(info.flags));
  Check(k.snd_ppid == htonl(info.ppid) && k.snd_context == info.context && k.snd_assoc_id == info.assoc_id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // libFuzzer's input is an exact-size heap copy already.
  DecodeRaw(std::span(reinterpret_cast<const std::byte*>(data), size));
  Reader in(data, size);
  DecodeBuilt(in);
  Encode(in);
  return 0;
}
