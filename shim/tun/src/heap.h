// The launcher's native helpers other than the TUN device (tun.c registers them).
#pragma once
#include <node_api.h>

napi_value heap_trim(napi_env env, napi_callback_info info);
