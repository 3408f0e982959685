// A program outside the project that uses the installed (or subproject)
// netsctp: it must compile with the public headers alone and link.
#include <netsctp/netsctp.h>

#include <cstdio>

int main() {
  auto a = netsctp::ResolveSctpAddr("sctp", "127.0.0.1/[::1]:36412");
  if (!a) return 1;
  std::printf("netsctp %s %s\n", netsctp::Version(), a->String().c_str());
  return a->String() == "127.0.0.1/[::1]:36412" ? 0 : 1;
}
