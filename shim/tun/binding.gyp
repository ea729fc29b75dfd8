# Builds tun.node, the launcher's native addon (Linux only): the TUN device, trimHeap (heap.c) and lowMemory
# (v8-memory.cc, the one C++ file: node's v8.h); node_api.h otherwise, no npm dependency.
{
  "targets": [
    {
      "target_name": "tun",
      "sources": ["src/tun.c", "src/heap.c", "src/v8-memory.cc"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
