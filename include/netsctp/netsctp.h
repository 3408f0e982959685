// netsctp/netsctp.h: the umbrella header; includes every public header.
#pragma once

#include "netsctp/addr.h"
#include "netsctp/error.h"
#include "netsctp/info.h"
#include "netsctp/result.h"
#include "netsctp/version.h"
