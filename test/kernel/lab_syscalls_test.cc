// Proves the lab end to end with plain system calls, before any netsctp code
// is involved: real associations over IPv4, IPv6 and multi-homed loopback,
// messages on several streams with PPIDs, checked through SCTP_RCVINFO.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

sockaddr_storage Addr(const char* ip, uint16_t port) {
  sockaddr_storage ss{};
  if (std::strchr(ip, ':') != nullptr) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    REQUIRE(inet_pton(AF_INET6, ip, &a->sin6_addr) == 1);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    REQUIRE(inet_pton(AF_INET, ip, &a->sin_addr) == 1);
  }
  return ss;
}

socklen_t Len(const sockaddr_storage& ss) {
  return ss.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

// Packs addresses back to back, as sctp_bindx/sctp_connectx expect.
std::vector<unsigned char> Packed(const std::vector<sockaddr_storage>& addrs) {
  std::vector<unsigned char> out;
  for (const auto& a : addrs) {
    const auto* p = reinterpret_cast<const unsigned char*>(&a);
    out.insert(out.end(), p, p + Len(a));
  }
  return out;
}

uint16_t LocalPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0);
  return ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

void SendOn(int fd, const std::string& payload, uint16_t sid, uint32_t ppid) {
  std::array<char, CMSG_SPACE(sizeof(sctp_sndinfo))> cbuf{};
  iovec iov{const_cast<char*>(payload.data()), payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf.data();
  msg.msg_controllen = cbuf.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = IPPROTO_SCTP;
  c->cmsg_type = SCTP_SNDINFO;
  c->cmsg_len = CMSG_LEN(sizeof(sctp_sndinfo));
  sctp_sndinfo info{};
  info.snd_sid = sid;
  info.snd_ppid = htonl(ppid);
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  REQUIRE(sendmsg(fd, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(payload.size()));
}

struct Received {
  std::string payload;
  sctp_rcvinfo info{};
  int flags = 0;
};

Received Receive(int fd) {
  Received r;
  std::array<char, 4096> buf{};
  std::array<char, CMSG_SPACE(sizeof(sctp_rcvinfo))> cbuf{};
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf.data();
  msg.msg_controllen = cbuf.size();
  ssize_t n = recvmsg(fd, &msg, 0);
  REQUIRE(n > 0);
  r.payload.assign(buf.data(), static_cast<size_t>(n));
  r.flags = msg.msg_flags;
  bool found = false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_SCTP && c->cmsg_type == SCTP_RCVINFO) {
      std::memcpy(&r.info, CMSG_DATA(c), sizeof r.info);
      found = true;
    }
  }
  REQUIRE(found);
  return r;
}

// Listens on `local` (bindx over all of them), dials `remote` with connectx,
// then sends one message per stream in each direction and checks every field.
void Exchange(int family, const std::vector<const char*>& local, const std::vector<const char*>& remote) {
  Fd lst(socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP));
  REQUIRE(lst.fd >= 0);
  const int on = 1;
  REQUIRE(setsockopt(lst.fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on) == 0);
  std::vector<sockaddr_storage> laddrs;
  for (const char* ip : local) laddrs.push_back(Addr(ip, 0));
  // Port 0 on the first bindx picks a port; the others must then use it.
  auto first = Packed({laddrs[0]});
  REQUIRE(sctp_bindx(lst.fd, reinterpret_cast<sockaddr*>(first.data()), 1, SCTP_BINDX_ADD_ADDR) == 0);
  const uint16_t port = LocalPort(lst.fd);
  if (laddrs.size() > 1) {
    std::vector<sockaddr_storage> rest;
    for (size_t i = 1; i < local.size(); ++i) rest.push_back(Addr(local[i], port));
    auto packed = Packed(rest);
    REQUIRE(sctp_bindx(lst.fd, reinterpret_cast<sockaddr*>(packed.data()), static_cast<int>(rest.size()),
                       SCTP_BINDX_ADD_ADDR) == 0);
  }
  REQUIRE(listen(lst.fd, 8) == 0);

  Fd cli(socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP));
  REQUIRE(cli.fd >= 0);
  REQUIRE(setsockopt(cli.fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on) == 0);
  sctp_initmsg init{};
  init.sinit_num_ostreams = 8;
  init.sinit_max_instreams = 8;
  REQUIRE(setsockopt(cli.fd, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init) == 0);
  std::vector<sockaddr_storage> raddrs;
  for (const char* ip : remote) raddrs.push_back(Addr(ip, port));
  auto packed = Packed(raddrs);
  sctp_assoc_t id = 0;
  REQUIRE(sctp_connectx(cli.fd, reinterpret_cast<sockaddr*>(packed.data()), static_cast<int>(raddrs.size()),
                        &id) == 0);
  Fd srv(accept4(lst.fd, nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(srv.fd >= 0);

  // The server sees every address the client was asked to reach it on.
  sockaddr* paddrs = nullptr;
  int npeer = sctp_getpaddrs(cli.fd, 0, &paddrs);
  CHECK(npeer == static_cast<int>(remote.size()));
  if (npeer > 0) sctp_freepaddrs(paddrs);

  const uint32_t ppids[] = {18, 46, 60, 0xfffffffe};  // S1AP, Diameter, NGAP, a large one
  for (uint16_t sid = 0; sid < 4; ++sid) {
    std::string msg = "to server on stream " + std::to_string(sid);
    SendOn(cli.fd, msg, sid, ppids[sid]);
    Received r = Receive(srv.fd);
    CHECK(r.payload == msg);
    CHECK(r.info.rcv_sid == sid);
    CHECK(ntohl(r.info.rcv_ppid) == ppids[sid]);
    CHECK((r.flags & MSG_EOR) != 0);
    CHECK((r.flags & MSG_NOTIFICATION) == 0);
  }
  for (uint16_t sid = 4; sid < 8; ++sid) {
    std::string msg = "to client on stream " + std::to_string(sid);
    SendOn(srv.fd, msg, sid, 60);
    Received r = Receive(cli.fd);
    CHECK(r.payload == msg);
    CHECK(r.info.rcv_sid == sid);
    CHECK(ntohl(r.info.rcv_ppid) == 60);
    CHECK(r.info.rcv_ssn == 0);  // first message on that stream
  }
}

}  // namespace

TEST_CASE("association over 127.0.0.1") { Exchange(AF_INET, {"127.0.0.1"}, {"127.0.0.1"}); }

TEST_CASE("association over ::1") { Exchange(AF_INET6, {"::1"}, {"::1"}); }

TEST_CASE("multi-homed association over 127.0.0.1/127.0.0.2") {
  Exchange(AF_INET, {"127.0.0.1", "127.0.0.2"}, {"127.0.0.1", "127.0.0.2"});
}
