{
  "targets": [
    {
      "target_name": "framewire_native",
      "sources": ["module.c", "sockets.c", "batch_send.c", "batch_receive.c", "pacer.c", "clocks.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11", "-fvisibility=hidden"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
