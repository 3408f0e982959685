// netsctp/netsctp.h: the umbrella header; includes every public header.
#pragma once

#include "netsctp/addr.h"
#include "netsctp/assoc.h"
#include "netsctp/bytes.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/endpoint.h"
#include "netsctp/error.h"
#include "netsctp/event.h"
#include "netsctp/info.h"
#include "netsctp/listener.h"
#include "netsctp/log.h"
#include "netsctp/sockopt.h"
#include "netsctp/result.h"
#include "netsctp/version.h"
