// ping_pong: the main demonstration. A server and a client in one process
// exchange messages over a real multi-homed SCTP association on loopback,
// each on its own stream with a telecom PPID, and print what the receiving
// side saw. Run it through the lab where the kernel lacks SCTP:
//   tools/sctp-lab run -- build/examples/ping_pong
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

int Fail(const char* what) {
  std::fprintf(stderr, "ping_pong: %s: %s\n", what, std::strerror(errno));
  return 1;
}

sockaddr_in V4(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

bool Send(int fd, const std::string& text, uint16_t sid, uint32_t ppid) {
  char cbuf[CMSG_SPACE(sizeof(sctp_sndinfo))] = {};
  iovec iov{const_cast<char*>(text.data()), text.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = IPPROTO_SCTP;
  c->cmsg_type = SCTP_SNDINFO;
  c->cmsg_len = CMSG_LEN(sizeof(sctp_sndinfo));
  sctp_sndinfo info{};
  info.snd_sid = sid;
  info.snd_ppid = htonl(ppid);
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  return sendmsg(fd, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
}

bool Receive(int fd, const char* who) {
  char buf[512];
  char cbuf[CMSG_SPACE(sizeof(sctp_rcvinfo))];
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  ssize_t n = recvmsg(fd, &msg, 0);
  if (n <= 0) return false;
  sctp_rcvinfo info{};
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_SCTP && c->cmsg_type == SCTP_RCVINFO) std::memcpy(&info, CMSG_DATA(c), sizeof info);
  }
  std::printf("%s got \"%.*s\" on stream %u, ppid %u, ssn %u%s\n", who, static_cast<int>(n), buf, info.rcv_sid,
              ntohl(info.rcv_ppid), info.rcv_ssn, (msg.msg_flags & MSG_EOR) ? ", complete" : "");
  return true;
}

}  // namespace

int main() {
  const int on = 1;
  int lst = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);
  if (lst < 0) return Fail("socket (does this kernel have SCTP? try tools/sctp-lab run)");
  setsockopt(lst, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on);
  sockaddr_in laddrs[2] = {V4("127.0.0.1", 36412), V4("127.0.0.2", 36412)};
  if (sctp_bindx(lst, reinterpret_cast<sockaddr*>(laddrs), 2, SCTP_BINDX_ADD_ADDR) != 0) return Fail("bindx");
  if (listen(lst, 4) != 0) return Fail("listen");
  std::printf("server listening on 127.0.0.1/127.0.0.2:36412\n");

  int cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);
  setsockopt(cli, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on);
  sctp_assoc_t id = 0;
  if (sctp_connectx(cli, reinterpret_cast<sockaddr*>(laddrs), 2, &id) != 0) return Fail("connectx");
  int srv = accept4(lst, nullptr, nullptr, SOCK_CLOEXEC);
  if (srv < 0) return Fail("accept");
  std::printf("client associated over both addresses\n");

  struct {
    const char* text;
    uint16_t sid;
    uint32_t ppid;
  } const msgs[] = {{"S1 Setup Request", 0, 18}, {"NG Setup Request", 1, 60}, {"Capabilities-Exchange", 2, 46}};
  for (const auto& m : msgs) {
    if (!Send(cli, m.text, m.sid, m.ppid)) return Fail("send");
    if (!Receive(srv, "server")) return Fail("receive");
    if (!Send(srv, std::string(m.text) + " acknowledged", m.sid, m.ppid)) return Fail("send");
    if (!Receive(cli, "client")) return Fail("receive");
  }
  close(cli);
  close(srv);
  close(lst);
  std::printf("done: %zu round trips\n", std::size(msgs));
  return 0;
}
