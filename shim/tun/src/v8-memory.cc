// lowMemory(): V8's low-memory notification, the collection its memory reducer makes some 8 s after a
// session's start-up (several full collections that also compact, shrink the young generation and give
// pooled pages back), made at once instead: 3.5 MB of committed heap here. Node's JavaScript has no way to
// ask for it (gc() is a plain full collection), so this one helper is C++ against node's own v8.h.
#include <node_api.h>
#include <v8.h>

#include "heap.h"

extern "C" napi_value v8_low_memory(napi_env env, napi_callback_info info) {
  (void)info;
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate != nullptr) isolate->LowMemoryNotification();
  napi_value result;
  if (napi_get_boolean(env, isolate != nullptr, &result) != napi_ok) return nullptr;
  return result;
}
