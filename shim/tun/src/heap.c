// trimHeap(): gives the C heap's free pages back to the kernel (glibc's malloc_trim(0)). glibc returns
// memory by itself only from the top of its heap; what start-up leaves free in the middle (TLS handshakes,
// API responses, module loading) stays resident for the whole session without it: ~10 MB of the launcher's
// idle RSS here (README, Benchmarks: bench:scale). Returns true when pages were released; false where the
// C library has no malloc_trim (it is then a no-op).
#define _GNU_SOURCE
#include <node_api.h>
#include <stdbool.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "heap.h"

napi_value heap_trim(napi_env env, napi_callback_info info) {
  (void)info;
  bool released = false;
#ifdef __GLIBC__
  released = malloc_trim(0) == 1;
#endif
  napi_value result;
  if (napi_get_boolean(env, released, &result) != napi_ok) return NULL;
  return result;
}
