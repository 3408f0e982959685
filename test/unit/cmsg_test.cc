// SCTP_SNDINFO and SCTP_PRINFO encoding and SCTP_RCVINFO decoding, byte by byte.
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <span>
#include <utility>

#include "internal/cmsg.h"

using netsctp::RcvInfo;
using netsctp::SndFlags;
using netsctp::SndInfo;
namespace internal = netsctp::internal;

namespace {

template <typename T>
T ReadAt(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

TEST_CASE("SndInfo encodes as one SCTP_SNDINFO control message with the PPID in network order") {
  alignas(cmsghdr) std::array<std::byte, internal::kSndInfoSpace> buf;
  buf.fill(std::byte{0xee});
  const SndInfo info{.sid = 7, .flags = SndFlags::kUnordered | SndFlags::kSackImmediately, .ppid = 60,
                     .context = 0xdeadbeef, .assoc_id = 0};
  REQUIRE(internal::EncodeSndInfo(info, buf) == internal::kSndInfoSpace);

  const auto h = ReadAt<cmsghdr>(buf.data());
  CHECK(h.cmsg_level == IPPROTO_SCTP);
  CHECK(h.cmsg_type == SCTP_SNDINFO);
  CHECK(h.cmsg_len == CMSG_LEN(sizeof(sctp_sndinfo)));
  const std::byte* data = buf.data() + CMSG_LEN(0);
  CHECK(ReadAt<std::uint16_t>(data + offsetof(sctp_sndinfo, snd_sid)) == 7);
  CHECK(ReadAt<std::uint16_t>(data + offsetof(sctp_sndinfo, snd_flags)) == (SCTP_UNORDERED | SCTP_SACK_IMMEDIATELY));
  // 60 on the wire is 00 00 00 3c, whatever the host's byte order.
  const std::byte* ppid = data + offsetof(sctp_sndinfo, snd_ppid);
  CHECK(ppid[0] == std::byte{0});
  CHECK(ppid[1] == std::byte{0});
  CHECK(ppid[2] == std::byte{0});
  CHECK(ppid[3] == std::byte{0x3c});
  CHECK(ReadAt<std::uint32_t>(data + offsetof(sctp_sndinfo, snd_context)) == 0xdeadbeef);
  // Padding is zeroed, not left over from the buffer.
  for (std::size_t i = CMSG_LEN(sizeof(sctp_sndinfo)); i < buf.size(); ++i) CHECK(buf[i] == std::byte{0});
}

TEST_CASE("EncodeSndInfo refuses a buffer that is too small") {
  std::array<std::byte, internal::kSndInfoSpace - 1> small{};
  CHECK(internal::EncodeSndInfo(SndInfo{}, small) == 0);
}

TEST_CASE("SndInfo and sctp_sndinfo convert both ways") {
  const SndInfo info{.sid = 65535, .flags = SndFlags::kAddrOver, .ppid = 0xfffffffe, .context = 1, .assoc_id = 9};
  CHECK(internal::FromKernel(internal::ToKernel(info)) == info);
  CHECK(internal::ToKernel(info).snd_ppid == htonl(0xfffffffe));
}

namespace {

// Builds a control buffer holding the given cmsgs back to back.
struct Control {
  alignas(cmsghdr) std::array<std::byte, 256> bytes{};
  std::size_t len = 0;

  void Add(int level, int type, const void* data, std::size_t size) {
    cmsghdr h{};
    h.cmsg_len = CMSG_LEN(size);
    h.cmsg_level = level;
    h.cmsg_type = type;
    std::memcpy(bytes.data() + len, &h, sizeof h);
    std::memcpy(bytes.data() + len + CMSG_LEN(0), data, size);
    len += CMSG_SPACE(size);
  }
  std::span<const std::byte> Span() const { return std::span(bytes.data(), len); }
};

sctp_rcvinfo SampleRcvInfo() {
  sctp_rcvinfo k{};
  k.rcv_sid = 3;
  k.rcv_ssn = 12;
  k.rcv_flags = SCTP_UNORDERED;
  k.rcv_ppid = htonl(46);
  k.rcv_tsn = 1000;
  k.rcv_cumtsn = 999;
  k.rcv_context = 77;
  k.rcv_assoc_id = 5;
  return k;
}

}  // namespace

TEST_CASE("RcvInfo is decoded with the PPID in host order") {
  Control c;
  const sctp_rcvinfo k = SampleRcvInfo();
  c.Add(IPPROTO_SCTP, SCTP_RCVINFO, &k, sizeof k);
  RcvInfo info;
  REQUIRE(internal::DecodeRcvInfo(c.Span(), info));
  CHECK(info == RcvInfo{3, 12, SCTP_UNORDERED, 46, 1000, 999, 77, 5});
  CHECK(info.Unordered());
}

TEST_CASE("RcvInfo is found after other control messages") {
  Control c;
  const int ttl = 64;
  c.Add(IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
  const sctp_rcvinfo k = SampleRcvInfo();
  c.Add(IPPROTO_SCTP, SCTP_RCVINFO, &k, sizeof k);
  RcvInfo info;
  REQUIRE(internal::DecodeRcvInfo(c.Span(), info));
  CHECK(info.ppid == 46);
}

TEST_CASE("malformed or truncated control data is rejected, never overread") {
  Control c;
  const sctp_rcvinfo k = SampleRcvInfo();
  c.Add(IPPROTO_SCTP, SCTP_RCVINFO, &k, sizeof k);
  RcvInfo info;
  // Every cut of the buffer short of the whole structure fails.
  for (std::size_t cut = 0; cut < CMSG_LEN(sizeof(sctp_rcvinfo)); ++cut) {
    CAPTURE(cut);
    CHECK_FALSE(internal::DecodeRcvInfo(c.Span().first(cut), info));
  }
  // A header whose length claims less than a header.
  cmsghdr bad{};
  bad.cmsg_len = 4;
  bad.cmsg_level = IPPROTO_SCTP;
  bad.cmsg_type = SCTP_RCVINFO;
  std::memcpy(c.bytes.data(), &bad, sizeof bad);
  CHECK_FALSE(internal::DecodeRcvInfo(c.Span(), info));
  // An RCVINFO too short for its structure.
  Control shorter;
  shorter.Add(IPPROTO_SCTP, SCTP_RCVINFO, &k, sizeof k - 4);
  CHECK_FALSE(internal::DecodeRcvInfo(shorter.Span(), info));
  // No RCVINFO at all.
  CHECK_FALSE(internal::DecodeRcvInfo({}, info));
}

TEST_CASE("SndInfo with a PR policy encodes SCTP_SNDINFO then SCTP_PRINFO in one buffer") {
  alignas(cmsghdr) std::array<std::byte, internal::kSndPrInfoSpace + 8> buf;
  buf.fill(std::byte{0xee});
  SndInfo info{.sid = 3, .flags = SndFlags::kUnordered, .ppid = 51, .context = 0, .assoc_id = 0};
  info.pr = netsctp::PrInfo::Rtx(2);
  REQUIRE(internal::EncodeSndPrInfo(info, buf) == internal::kSndPrInfoSpace);

  // The first message is exactly what EncodeSndInfo writes.
  alignas(cmsghdr) std::array<std::byte, internal::kSndInfoSpace> alone;
  REQUIRE(internal::EncodeSndInfo(info, alone) == internal::kSndInfoSpace);
  CHECK(std::memcmp(buf.data(), alone.data(), alone.size()) == 0);

  const std::byte* second = buf.data() + internal::kSndInfoSpace;
  const auto h = ReadAt<cmsghdr>(second);
  CHECK(h.cmsg_level == IPPROTO_SCTP);
  CHECK(h.cmsg_type == SCTP_PRINFO);
  CHECK(h.cmsg_len == CMSG_LEN(sizeof(sctp_prinfo)));
  const std::byte* data = second + CMSG_LEN(0);
  CHECK(ReadAt<std::uint16_t>(data + offsetof(sctp_prinfo, pr_policy)) == SCTP_PR_SCTP_RTX);
  CHECK(ReadAt<std::uint32_t>(data + offsetof(sctp_prinfo, pr_value)) == 2);
  // The struct's own padding (between the 16-bit policy and the value) and
  // the message's tail padding are zeroed; bytes past the end are untouched.
  for (std::size_t i = sizeof(std::uint16_t); i < offsetof(sctp_prinfo, pr_value); ++i) CHECK(data[i] == std::byte{0});
  for (std::size_t i = internal::kSndInfoSpace + CMSG_LEN(sizeof(sctp_prinfo)); i < internal::kSndPrInfoSpace; ++i) {
    CHECK(buf[i] == std::byte{0});
  }
  for (std::size_t i = internal::kSndPrInfoSpace; i < buf.size(); ++i) CHECK(buf[i] == std::byte{0xee});

  // The kernel walks the buffer with CMSG_NXTHDR: the second header is where it looks.
  msghdr m{};
  m.msg_control = buf.data();
  m.msg_controllen = internal::kSndPrInfoSpace;
  cmsghdr* first = CMSG_FIRSTHDR(&m);
  REQUIRE(first != nullptr);
  cmsghdr* next = CMSG_NXTHDR(&m, first);
  REQUIRE(next != nullptr);
  CHECK(reinterpret_cast<std::byte*>(next) == second);
  CHECK(CMSG_NXTHDR(&m, next) == nullptr);
}

TEST_CASE("every PR policy encodes as the kernel's constant with its value") {
  using netsctp::PrInfo;
  const std::pair<PrInfo, std::uint16_t> cases[] = {{PrInfo::Reliable(), SCTP_PR_SCTP_NONE},
                                                    {PrInfo::Ttl(std::chrono::milliseconds(1500)), SCTP_PR_SCTP_TTL},
                                                    {PrInfo::Rtx(0), SCTP_PR_SCTP_RTX},
                                                    {PrInfo::Prio(7), SCTP_PR_SCTP_PRIO}};
  for (const auto& [pr, policy] : cases) {
    alignas(cmsghdr) std::array<std::byte, internal::kSndPrInfoSpace> buf{};
    SndInfo info;
    info.pr = pr;
    REQUIRE(internal::EncodeSndPrInfo(info, buf) == internal::kSndPrInfoSpace);
    const std::byte* data = buf.data() + internal::kSndInfoSpace + CMSG_LEN(0);
    CHECK(ReadAt<std::uint16_t>(data + offsetof(sctp_prinfo, pr_policy)) == policy);
    CHECK(ReadAt<std::uint32_t>(data + offsetof(sctp_prinfo, pr_value)) == pr.value);
  }
}

TEST_CASE("EncodeSndPrInfo without pr writes SCTP_SNDINFO alone; too small a buffer writes nothing") {
  alignas(cmsghdr) std::array<std::byte, internal::kSndPrInfoSpace> buf;
  buf.fill(std::byte{0xee});
  const SndInfo plain{.sid = 1, .flags = SndFlags::kNone, .ppid = 60, .context = 0, .assoc_id = 0};
  REQUIRE(internal::EncodeSndPrInfo(plain, buf) == internal::kSndInfoSpace);
  for (std::size_t i = internal::kSndInfoSpace; i < buf.size(); ++i) CHECK(buf[i] == std::byte{0xee});

  // Room for SNDINFO but not PRINFO: refused whole, not half written.
  SndInfo with_pr = plain;
  with_pr.pr = netsctp::PrInfo::Prio(1);
  buf.fill(std::byte{0xee});
  CHECK(internal::EncodeSndPrInfo(with_pr, std::span(buf).first(internal::kSndPrInfoSpace - 1)) == 0);
  for (std::byte b : buf) CHECK(b == std::byte{0xee});
}
