// The addon's two clocks. Kernel receive stamps (SO_TIMESTAMPNS, batch_receive.c) are CLOCK_REALTIME; the pacer's
// due times (pacer.c) and Node's performance.now() are CLOCK_MONOTONIC. A relay that delays each datagram from its
// kernel stamp needs the stamp on the pacer's clock, and JS cannot read CLOCK_REALTIME finer than a millisecond
// (Date.now), nor trust performance.timeOrigin (taken at start-up, it was off by 9 ms on a loaded machine here).
#include <time.h>

#include "addon.h"

// realtimeOffsetNs(): number — CLOCK_REALTIME minus CLOCK_MONOTONIC in ns, from two reads taken back to back (the
// monotonic one twice, around the other, so the pair brackets it). Constant until the system clock is stepped.
napi_value js_realtime_offset_ns(napi_env env, napi_callback_info info) {
  (void)info;
  struct timespec before, real, after;
  clock_gettime(CLOCK_MONOTONIC, &before);
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_MONOTONIC, &after);
  double mono = ((double)before.tv_sec + (double)after.tv_sec) * 5e8 + ((double)before.tv_nsec + (double)after.tv_nsec) / 2;
  napi_value out;
  CHECK(napi_create_double(env, (double)real.tv_sec * 1e9 + (double)real.tv_nsec - mono, &out));
  return out;
}
