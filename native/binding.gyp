{
  "targets": [
    {
      "target_name": "framewire_native",
      "sources": ["udp.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
