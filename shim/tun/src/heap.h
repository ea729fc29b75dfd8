// The launcher's native helpers other than the TUN device (tun.c registers them).
#pragma once
#include <node_api.h>

#ifdef __cplusplus
extern "C" {
#endif

napi_value heap_trim(napi_env env, napi_callback_info info);
/** v8-memory.cc: V8's LowMemoryNotification; true when there was an isolate to notify. */
napi_value v8_low_memory(napi_env env, napi_callback_info info);

#ifdef __cplusplus
}
#endif
