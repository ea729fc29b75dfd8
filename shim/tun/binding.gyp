# Builds tun.node, the launcher's native addon (Linux only): the TUN device, and trimHeap (heap.c); plain
# node_api.h, no npm dependency.
{
  "targets": [
    {
      "target_name": "tun",
      "sources": ["src/tun.c", "src/heap.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
