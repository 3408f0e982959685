// netsctp/netsctp.h: the umbrella header; includes every public header.
#pragma once

#include "netsctp/error.h"
#include "netsctp/result.h"
#include "netsctp/version.h"
