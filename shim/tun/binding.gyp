# Builds tun.node, the TUN device addon (Linux only); plain node_api.h, no npm dependency.
{
  "targets": [
    {
      "target_name": "tun",
      "sources": ["src/tun.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
