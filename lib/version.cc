#include "netsctp/version.h"

namespace netsctp {

const char* Version() noexcept { return NETSCTP_VERSION_STRING; }

}  // namespace netsctp
