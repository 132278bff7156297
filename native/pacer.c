// The pacer: one thread per UDP socket that sends each queued datagram at its due time, and says when it really did.
//
// Node's timers are good to a millisecond; paced video (SMPTE ST 2110-21) and a relay's exact delays need packets to
// leave within tens of microseconds of a schedule. So JS queues datagrams with absolute due times, and this thread
// sleeps with clock_nanosleep(TIMER_ABSTIME) until shortly before the next one is due, spins the last stretch, and
// sends whatever is due then in small sendmmsg batches. It never sends early, unless asked to let a datagram join a
// batch a little ahead of its time (earlyNs, for a sender's closely spaced packets).
//
// The clock is CLOCK_MONOTONIC in nanoseconds, as a JS number (exact to the nanosecond for 104 days of uptime):
// pacerNow() reads it, and it is the clock of Node's process.hrtime.bigint() (libuv's uv_hrtime).
//
// The queue is a ring of `slots` entries whose bytes lie in one slab of slots x slotBytes, each datagram taking its own
// length (so a relay's slab holds many small datagrams or a few 64 KB ones, and is touched in full once, at open).
// Datagrams are COPIED in, so JS's buffers are free when an enqueue call returns. Three counters, each written by one
// side only, walk the ring:
//
//        collected            sent                 queued
//   ───────┼────────────────────┼────────────────────┼────────── entry numbers (mod slots)
//          │  done: [due, sent] │  waiting for their │  free
//          │  until JS collects │  due time          │
//          ▲ JS (pacerCollect)  ▲ pacer thread        ▲ JS (pacerEnqueue*)
//
// An entry and its bytes are free again only once JS has collected its record (due time, actual send time or -errno), so the
// record of every datagram reaches JS and nothing is lost silently: a full ring makes enqueue accept fewer (JS waits,
// collects, retries). That backpressure is the price of exact accounting; a relay collects as it goes anyway.
//
// The fd stays JS's: pacerClose stops and joins the thread before JS closes the socket. SO_TXTIME is not used (it
// needs the fq or etf qdisc, which not every kernel has); this thread's own timing is the one mechanism.
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sched.h>
#include <time.h>

#include "addon.h"

// Wake this long before a datagram is due and spin the rest, when it must not leave early: a sleeping thread wakes
// tens of µs late (30 µs p50, 70 µs p90 at real-time priority on the 2-vCPU VM here).
#define SPIN_NS 50000
// ...but only for a datagram due at least this long after the last send. A relay forwarding 20,000 datagrams a second
// has one due every 50 µs: a thread that spun before each held a CPU at real-time priority all the time, and on the
// 2-vCPU VM here starved everything else (the receiver, the relay's own JS: delays of 20 ms came out with a p99 of
// 250 ms, and NACK recovery fell apart). Dense datagrams go when the sleep ends instead, tens of µs late, each wake
// sending all that are due by then; spinning stays under SPIN_NS per SPIN_AFTER_NS of CPU (5%).
#define SPIN_AFTER_NS 1000000
// The longest single sleep, so pacerClose is answered within it even when the next datagram is due much later.
#define MAX_SLEEP_NS 5000000
// Datagrams per sendmmsg: those due together (or overdue) leave together, but a catch-up after a stall is cut into
// small batches, so a receiver sees a short train, not one huge burst.
#define PACER_BATCH 32
// How long to wait for room in the send buffer (POLLOUT) before trying again and counting another retry.
#define POLL_MS 10
// The largest datagram queued (a UDP payload is at most 65,507 bytes over IPv4, 65,527 over IPv6).
#define MAX_DATAGRAM 65536
// Room for the largest socket address a datagram may be sent to (struct sockaddr_in6).
#define NAME_BYTES 28
// UDP GSO limits: a message carries at most this many segments and bytes (under the 64 KB IP datagram).
#define GSO_SEGMENTS 64
#define GSO_BYTES 65000

typedef struct {
  int64_t due_ns;
  int64_t sent_ns; // the send time, or -errno when the kernel refused the datagram (it is lost)
  uint64_t start;  // where its bytes begin in the slab, as a running byte count (mod slab_bytes: the offset)
  uint32_t length;
  uint32_t name_len; // 0: to the connected socket's peer
  uint8_t name[NAME_BYTES];
} entry_t;

typedef struct {
  int fd;
  uint32_t slots;
  size_t slab_bytes;
  uint64_t written; // JS's running count of slab bytes handed out (the next datagram's start, before any wrap)
  int64_t early_ns; // a datagram due within this of now goes with the current batch
  // A stream that fell behind catches up at catchUpRate (pacerOpen) times its rate: of the schedule each batch
  // covers, this share (1 - 1 / catchUpRate) comes off the slip.
  double catch_up_share;
  entry_t *entries;
  uint8_t *slab;
  // The ring's counters (see the diagram): queued by JS, sent by the thread, collected by JS.
  _Atomic uint64_t queued;
  _Atomic uint64_t sent;
  uint64_t collected;
  // What the thread did, read by JS at any time.
  _Atomic uint64_t batches;
  _Atomic uint64_t retries;
  _Atomic uint64_t refused;
  _Atomic bool stop;
  _Atomic bool idle; // the thread waits on `wake` for something to be queued
  _Atomic bool realtime; // the thread runs at a real-time priority (SCHED_FIFO)
  _Atomic bool segment;  // runs of datagrams leave as UDP GSO messages (until the kernel refuses one)
  pthread_mutex_t lock;
  pthread_cond_t wake;
  pthread_t thread;
  bool joined;
  napi_env env;
  struct mmsghdr msgs[PACER_BATCH];
  struct iovec iovs[PACER_BATCH];
  char controls[PACER_BATCH][CMSG_SPACE(sizeof(uint16_t))];
  uint32_t first[PACER_BATCH + 1]; // message k carries entries first[k] .. first[k + 1] - 1 of the batch
} pacer_t;

static const napi_type_tag pacer_tag = {0x6672616d65776972ULL, 0x652d706163657221ULL};

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void sleep_until(int64_t ns) {
  struct timespec t = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {
  }
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Waits for the send buffer to have room again; ENOBUFS (a full device queue) does not show in poll, so it naps.
static void wait_writable(pacer_t *p, int err) {
  atomic_fetch_add_explicit(&p->retries, 1, memory_order_relaxed);
  if (err == ENOBUFS) {
    sleep_until(now_ns() + 50000);
    return;
  }
  struct pollfd pfd = {.fd = p->fd, .events = POLLOUT};
  poll(&pfd, 1, POLL_MS);
}

// Whether entry b can follow entry a in one GSO message whose segments are `size` bytes: its bytes follow a's in the
// slab (no wrap between them), it goes to the same place, and it is no longer than the run's size.
static bool continues_run(const pacer_t *p, const entry_t *a, const entry_t *b, uint32_t size) {
  return b->start == a->start + a->length && b->start % p->slab_bytes != 0 && b->length <= size && b->length > 0 &&
         b->name_len == a->name_len && memcmp(b->name, a->name, a->name_len) == 0;
}

// Sends entries [from, from + count) of the ring in one sendmmsg; returns how many it finished (sent or refused), 0
// when the buffer was full (after waiting for room). With `segment`, each run of equal-size datagrams lying back to
// back in the slab (and at most one shorter one after them) is one UDP GSO message, one trip through the stack: a
// train of a paced stream, or a relay's datagrams due together. Runs stay within what is due now, so GSO never sends
// anything earlier than it would have gone anyway.
static uint32_t send_batch(pacer_t *p, uint64_t from, uint32_t count) {
  bool segment = atomic_load_explicit(&p->segment, memory_order_relaxed);
  uint32_t messages = 0;
  for (uint32_t k = 0; k < count;) {
    entry_t *e = &p->entries[(from + k) % p->slots];
    uint32_t end = k + 1, bytes = e->length;
    if (segment) {
      while (end < count && end - k < GSO_SEGMENTS) {
        entry_t *prev = &p->entries[(from + end - 1) % p->slots], *next = &p->entries[(from + end) % p->slots];
        if (!continues_run(p, prev, next, e->length) || bytes + next->length > GSO_BYTES) break;
        bytes += next->length;
        end++;
        if (next->length < e->length) break; // a shorter datagram can only be the last segment
      }
    }
    struct msghdr *m = &p->msgs[messages].msg_hdr;
    memset(m, 0, sizeof *m);
    p->iovs[messages].iov_base = p->slab + e->start % p->slab_bytes;
    p->iovs[messages].iov_len = bytes;
    m->msg_iov = &p->iovs[messages];
    m->msg_iovlen = 1;
    if (e->name_len) {
      m->msg_name = e->name;
      m->msg_namelen = e->name_len;
    }
    if (end - k > 1) {
      m->msg_control = p->controls[messages];
      m->msg_controllen = sizeof p->controls[messages];
      struct cmsghdr *c = CMSG_FIRSTHDR(m);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      uint16_t size = (uint16_t)e->length;
      memcpy(CMSG_DATA(c), &size, sizeof size);
    }
    p->first[messages++] = k;
    k = end;
  }
  p->first[messages] = count;
  int64_t at = now_ns();
  int n = sendmmsg(p->fd, p->msgs, messages, MSG_DONTWAIT);
  if (n > 0) {
    uint32_t done = p->first[n];
    for (uint32_t k = 0; k < done; k++) p->entries[(from + k) % p->slots].sent_ns = at;
    atomic_fetch_add_explicit(&p->batches, 1, memory_order_relaxed);
    return done;
  }
  int err = errno;
  if (err == EINTR) return 0;
  if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
    wait_writable(p, err);
    return 0;
  }
  if (p->msgs[0].msg_hdr.msg_controllen != 0 &&
      (err == EINVAL || err == EMSGSIZE || err == EIO || err == ENOPROTOOPT || err == EOPNOTSUPP)) {
    // The kernel will not segment (no GSO, or a route whose MTU is below the datagrams): one a message from now on.
    atomic_store_explicit(&p->segment, false, memory_order_relaxed);
    return 0;
  }
  // Refused (ECONNREFUSED after a port-unreachable, EMSGSIZE, ...): the first message's datagrams are lost, and
  // recorded as such.
  for (uint32_t k = 0; k < p->first[1]; k++) p->entries[(from + k) % p->slots].sent_ns = -err;
  atomic_fetch_add_explicit(&p->refused, p->first[1], memory_order_relaxed);
  return p->first[1];
}

static void *pacer_main(void *arg) {
  pacer_t *p = arg;
  // The default timer slack (50 µs) would let every sleep end that much late.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  // The lowest real-time priority, where allowed (root, CAP_SYS_NICE or RLIMIT_RTPRIO): on a busy host a normal
  // thread here was held off the CPU for milliseconds at a time (lateness p50 2.8 ms with two loaded cores); this one
  // kept p50 under 1 µs. It sleeps between datagrams, and the kernel's RT throttling (sched_rt_runtime_us) keeps
  // a share of every CPU for other threads even at rates where it spins all the time. Without the right, it runs
  // as a normal thread (pacerStats says which).
  struct sched_param sp = {.sched_priority = 1};
  atomic_store(&p->realtime, pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0);
  uint64_t next = atomic_load_explicit(&p->sent, memory_order_relaxed);
  // Stream pacing (early_ns > 0) only: how far the schedule has slid behind its due times after a stall, and the due
  // time of the last datagram sent (see below).
  int64_t slip = 0, covered = 0;
  int64_t last_send = 0; // when the last batch went (exact mode: whether to spin for the next one)
  while (!atomic_load_explicit(&p->stop, memory_order_acquire)) {
    uint64_t queued = atomic_load_explicit(&p->queued, memory_order_acquire);
    if (next == queued) {
      pthread_mutex_lock(&p->lock);
      atomic_store(&p->idle, true);
      while (atomic_load(&p->queued) == next && !atomic_load(&p->stop)) pthread_cond_wait(&p->wake, &p->lock);
      atomic_store(&p->idle, false);
      pthread_mutex_unlock(&p->lock);
      continue;
    }
    // Exact (early_ns 0): sleep until SPIN_NS before the due time and spin the rest, or after a recent send sleep until
    // the due time itself (see SPIN_AFTER_NS). With room to go early, aim the
    // sleep at the middle of the window [due - early_ns, due] and never spin: a wake-up tens of µs late still lands
    // near the due time, and the thread leaves the CPU to others between batches.
    int64_t scheduled = p->entries[next % p->slots].due_ns;
    int64_t now = now_ns();
    if (scheduled - p->early_ns > now) slip = 0; // on time again (JS queued later than the slid schedule)
    int64_t due = scheduled + slip;
    int64_t target = due - p->early_ns / 2;
    int64_t spin = p->early_ns > 0 || due - last_send < SPIN_AFTER_NS ? 0 : SPIN_NS;
    if (target - now > spin) {
      int64_t wake = target - spin;
      sleep_until(wake - now > MAX_SLEEP_NS ? now + MAX_SLEEP_NS : wake);
      continue;
    }
    while (now < due - p->early_ns) {
      cpu_relax();
      now = now_ns();
    }
    // A stream that fell behind (the thread was off the CPU) is not caught up in one burst, which is what overflows
    // a receiver's buffer: its schedule slides to now and is caught up at catchUpRate times its rate. A relay's
    // datagrams (early_ns 0) keep their exact times: late ones go at once.
    if (p->early_ns > 0 && now - due > p->early_ns) {
      slip += now - due;
      due = now;
    }
    // Everything due by now (or within early_ns of it), in queue order, up to a batch.
    uint32_t count = 0;
    int64_t until = now + p->early_ns - slip;
    while (count < PACER_BATCH && next + count < queued && p->entries[(next + count) % p->slots].due_ns <= until) count++;
    uint32_t done = send_batch(p, next, count);
    last_send = now;
    if (done && p->early_ns > 0) {
      int64_t last = p->entries[(next + done - 1) % p->slots].due_ns;
      int64_t recovered = covered ? (int64_t)((double)(last - covered) * p->catch_up_share) : 0;
      slip = slip > recovered ? slip - recovered : 0;
      covered = last;
    }
    next += done;
    if (done) atomic_store_explicit(&p->sent, next, memory_order_release);
  }
  return NULL;
}

// Stops the thread and waits for it; the queue's unsent datagrams stay unsent (JS counts them). Idempotent.
static void pacer_stop(pacer_t *p) {
  if (p->joined) return;
  pthread_mutex_lock(&p->lock);
  atomic_store(&p->stop, true);
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
  pthread_join(p->thread, NULL);
  p->joined = true;
}

// Node tears the environment down (process exit, a worker's end) without pacerClose: the thread must not outlive it.
static void pacer_env_cleanup(void *arg) {
  pacer_stop(arg);
}

static void pacer_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  pacer_t *p = data;
  pacer_stop(p);
  napi_remove_env_cleanup_hook(env, pacer_env_cleanup, p);
  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->wake);
  free(p->entries);
  free(p->slab);
  free(p);
}

static pacer_t *get_pacer(napi_env env, napi_value handle) {
  bool tagged = false;
  void *data = NULL;
  if (napi_check_object_type_tag(env, handle, &pacer_tag, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, handle, &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "pacer: not a handle from pacerOpen");
    return NULL;
  }
  return data;
}

static void touch_pages(void *memory, size_t bytes) {
  volatile uint8_t *at = memory;
  for (size_t i = 0; i < bytes; i += 4096) at[i] = 0;
}

// pacerOpen(fd: number, slots: number, slotBytes: number, earlyNs: number, segment: boolean, catchUpRate: number):
//   object (the handle)
// Starts a pacer thread sending on fd (which stays the caller's, to close only after pacerClose), with room for
// `slots` datagrams in a slab of slots x slotBytes bytes, each taking its own length (up to 64 KB). earlyNs 0 keeps exact times (a relay's delays): never early, and what
// is late goes at once. earlyNs > 0 paces a stream (a sender, whose packets come every few µs at video rates): a
// datagram due within earlyNs of a batch's send time goes with it, early, so the thread sleeps between small trains
// instead of spinning from one packet to the next; and after a stall the schedule slides instead of bursting, and
// is caught up at catchUpRate (at least 1; 1 keeps the delay) times the stream's rate. segment: datagrams that leave
// together go as UDP GSO runs where they can (see send_batch).
napi_value js_pacer_open(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  uint32_t slots, slot_bytes, early_ns;
  bool segment;
  double catch_up_rate;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_uint32(env, argv[1], &slots));
  CHECK(napi_get_value_uint32(env, argv[2], &slot_bytes));
  CHECK(napi_get_value_uint32(env, argv[3], &early_ns));
  CHECK(napi_get_value_bool(env, argv[4], &segment));
  CHECK(napi_get_value_double(env, argv[5], &catch_up_rate));
  if (fd < 0 || slots == 0 || slots > (1u << 20) || slot_bytes == 0 || slot_bytes > 65536 || early_ns > 1000000 ||
      !(catch_up_rate >= 1 && catch_up_rate <= 16)) {
    napi_throw_range_error(env, NULL,
                           "pacerOpen: need an fd, 1 to 2^20 slots, 1 to 65536 bytes a slot, earlyNs <= 1 ms, a "
                           "catchUpRate from 1 to 16");
    return NULL;
  }
  pacer_t *p = calloc(1, sizeof *p);
  if (p) {
    p->entries = calloc(slots, sizeof *p->entries);
    p->slab = malloc((size_t)slots * slot_bytes);
    p->slab_bytes = (size_t)slots * slot_bytes;
  }
  if (!p || !p->entries || !p->slab) {
    if (p) {
      free(p->entries);
      free(p->slab);
    }
    free(p);
    return fw_throw_errno(env, "pacerOpen", ENOMEM);
  }
  // Touch every page now: faulting them in later, inside an enqueue, cost up to tens of µs a page on a VM here
  // (tens of ms for a 1080p frame). Written through volatile, so the compiler cannot turn it into a lazy calloc.
  touch_pages(p->slab, (size_t)slots * slot_bytes);
  touch_pages(p->entries, (size_t)slots * sizeof *p->entries);
  p->fd = fd;
  p->early_ns = early_ns;
  p->catch_up_share = 1.0 - 1.0 / catch_up_rate;
  atomic_store(&p->segment, segment);
  p->slots = slots;
  p->env = env;
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->wake, NULL);
  int err = pthread_create(&p->thread, NULL, pacer_main, p);
  if (err != 0) {
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p->entries);
    free(p->slab);
    free(p);
    return fw_throw_errno(env, "pacerOpen: pthread_create", err);
  }
  napi_value handle;
  if (napi_create_external(env, p, pacer_finalize, NULL, &handle) != napi_ok) {
    pacer_stop(p);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p->entries);
    free(p->slab);
    free(p);
    napi_throw_error(env, NULL, "pacerOpen: napi_create_external failed");
    return NULL;
  }
  CHECK(napi_type_tag_object(env, handle, &pacer_tag));
  CHECK(napi_add_env_cleanup_hook(env, pacer_env_cleanup, p));
  return handle;
}

// Makes entries up to `queued` visible to the thread, waking it when it waits for work.
static void publish(pacer_t *p, uint64_t queued) {
  // Sequentially consistent, as the thread's store of idle and load of queued are: one of the two sides sees the other.
  atomic_store(&p->queued, queued);
  if (atomic_load(&p->idle)) {
    pthread_mutex_lock(&p->lock);
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
  }
}

static uint64_t room(pacer_t *p, uint64_t queued) {
  return p->slots - (queued - p->collected);
}

// Finds slab room for `length` contiguous bytes after what is queued: returns the start (a running byte count), or
// UINT64_MAX when the bytes of entries not yet collected leave too little. A datagram never wraps: if it would cross
// the slab's end it starts again at the beginning, and the bytes skipped count as used until it is collected.
static uint64_t slab_room(pacer_t *p, uint64_t queued, uint32_t length) {
  uint64_t start = p->written;
  size_t offset = start % p->slab_bytes;
  if (offset + length > p->slab_bytes) start += p->slab_bytes - offset;
  uint64_t oldest = p->collected < queued ? p->entries[p->collected % p->slots].start : start;
  return start + length - oldest <= p->slab_bytes ? start : UINT64_MAX;
}

// pacerEnqueuePackets(handle, headers: Buffer, headerOffsets: Uint32Array, data: Buffer, dataOffsets: Uint32Array,
//                     from: number, firstDueNs: number, spacingNs: number): number
// Queues packets from..n-1 of a frame laid out as sendPackets takes it (packet i is headers[headerOffsets[i],
// headerOffsets[i + 1]) then data[dataOffsets[i], dataOffsets[i + 1])), packet i due at firstDueNs + i * spacingNs.
// Copies them, and returns the index it stopped at: n when all are queued, less when the ring is full.
napi_value js_pacer_enqueue_packets(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pacer_t *p = get_pacer(env, argv[0]);
  if (!p) return NULL;
  uint8_t *headers, *data;
  size_t headers_len, data_len, header_count, data_count;
  uint32_t from;
  double first_due, spacing;
  CHECK(napi_get_buffer_info(env, argv[1], (void **)&headers, &headers_len));
  CHECK(napi_get_buffer_info(env, argv[3], (void **)&data, &data_len));
  CHECK(napi_get_value_uint32(env, argv[5], &from));
  CHECK(napi_get_value_double(env, argv[6], &first_due));
  CHECK(napi_get_value_double(env, argv[7], &spacing));
  const uint32_t *h = fw_typed_array(env, argv[2], napi_uint32_array, &header_count);
  const uint32_t *d = fw_typed_array(env, argv[4], napi_uint32_array, &data_count);
  if (!h || !d || header_count != data_count || header_count == 0) {
    napi_throw_type_error(env, NULL, "pacerEnqueuePackets: offsets must be two Uint32Arrays of equal length n + 1");
    return NULL;
  }
  size_t n = header_count - 1;
  if (from > n || h[n] > headers_len || d[n] > data_len || !(spacing >= 0)) {
    napi_throw_range_error(env, NULL, "pacerEnqueuePackets: an offset lies outside its buffer");
    return NULL;
  }
  uint64_t queued = atomic_load_explicit(&p->queued, memory_order_relaxed);
  uint64_t free_slots = room(p, queued);
  size_t i = from;
  for (; i < n && free_slots > 0; i++, free_slots--) {
    uint32_t hl = h[i + 1] - h[i], dl = d[i + 1] - d[i];
    if (h[i] > h[i + 1] || d[i] > d[i + 1] || (uint64_t)hl + dl > MAX_DATAGRAM || (uint64_t)hl + dl > p->slab_bytes) {
      publish(p, queued);
      napi_throw_range_error(env, NULL, "pacerEnqueuePackets: a packet is larger than a datagram or the slab, or offsets descend");
      return NULL;
    }
    uint64_t start = slab_room(p, queued, hl + dl);
    if (start == UINT64_MAX) break;
    uint8_t *to = p->slab + start % p->slab_bytes;
    memcpy(to, headers + h[i], hl);
    memcpy(to + hl, data + d[i], dl);
    p->written = start + hl + dl;
    entry_t *e = &p->entries[queued % p->slots];
    e->start = start;
    e->due_ns = (int64_t)(first_due + (double)(i - from) * spacing);
    e->sent_ns = 0;
    e->length = hl + dl;
    e->name_len = 0;
    queued++;
  }
  publish(p, queued);
  return fw_make_int(env, (int64_t)i);
}

// pacerEnqueue(handle, datagram: Buffer, dueNs: number, name?: Buffer): boolean
// Queues one datagram (copied) due at dueNs, to the socket address in name (as sendTo takes it) or, without one, to
// the connected socket's peer. False when the ring is full (nothing queued).
napi_value js_pacer_enqueue(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pacer_t *p = get_pacer(env, argv[0]);
  if (!p) return NULL;
  uint8_t *data, *name = NULL;
  size_t data_len, name_len = 0;
  double due;
  CHECK(napi_get_buffer_info(env, argv[1], (void **)&data, &data_len));
  CHECK(napi_get_value_double(env, argv[2], &due));
  napi_valuetype name_type = napi_undefined;
  if (argc >= 4) CHECK(napi_typeof(env, argv[3], &name_type));
  if (name_type != napi_undefined) CHECK(napi_get_buffer_info(env, argv[3], (void **)&name, &name_len));
  sa_family_t family = 0;
  if (name && name_len >= sizeof family) memcpy(&family, name, sizeof family);
  uint32_t at_len = !name                  ? 0
                    : family == AF_INET6  ? sizeof(struct sockaddr_in6)
                    : family == AF_INET   ? sizeof(struct sockaddr_in)
                                          : UINT32_MAX;
  if (data_len > MAX_DATAGRAM || data_len > p->slab_bytes || (name && (at_len == UINT32_MAX || at_len > name_len))) {
    napi_throw_range_error(env, NULL, "pacerEnqueue: datagram larger than a UDP datagram or the slab, or name not an IPv4/IPv6 address");
    return NULL;
  }
  uint64_t queued = atomic_load_explicit(&p->queued, memory_order_relaxed);
  napi_value out;
  uint64_t start = room(p, queued) == 0 ? UINT64_MAX : slab_room(p, queued, (uint32_t)data_len);
  if (start == UINT64_MAX) {
    CHECK(napi_get_boolean(env, false, &out));
    return out;
  }
  memcpy(p->slab + start % p->slab_bytes, data, data_len);
  p->written = start + data_len;
  entry_t *e = &p->entries[queued % p->slots];
  e->start = start;
  e->due_ns = (int64_t)due;
  e->sent_ns = 0;
  e->length = (uint32_t)data_len;
  e->name_len = at_len;
  if (at_len) memcpy(e->name, name, at_len);
  publish(p, queued + 1);
  CHECK(napi_get_boolean(env, true, &out));
  return out;
}

// The arguments (handle, Float64Array) of pacerCollect and pacerStats: the pacer, and the array's elements when it has
// at least `minimum` of them (else NULL, with `error` thrown as a TypeError, or get_pacer's error).
static double *pacer_and_doubles(napi_env env, napi_callback_info info, pacer_t **p, size_t *length, size_t minimum,
                                 const char *error) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  *p = get_pacer(env, argv[0]);
  if (!*p) return NULL;
  double *values = fw_typed_array(env, argv[1], napi_float64_array, length);
  if (!values || *length < minimum) {
    napi_throw_type_error(env, NULL, error);
    return NULL;
  }
  return values;
}

// pacerCollect(handle, records: Float64Array): number
// Hands over the records of sent datagrams, oldest first, and frees their slots: record k is records[2k] = due time,
// records[2k + 1] = actual send time (ns, the moment its sendmmsg was called) or -errno when the kernel refused it.
// Returns how many records it wrote (at most records.length / 2).
napi_value js_pacer_collect(napi_env env, napi_callback_info info) {
  pacer_t *p;
  size_t length;
  double *records = pacer_and_doubles(env, info, &p, &length, 2, "pacerCollect: records must be a Float64Array");
  if (!records) return NULL;
  uint64_t sent = atomic_load_explicit(&p->sent, memory_order_acquire);
  size_t count = 0;
  while (p->collected < sent && count < length / 2) {
    entry_t *e = &p->entries[p->collected % p->slots];
    records[2 * count] = (double)e->due_ns;
    records[2 * count + 1] = (double)e->sent_ns;
    p->collected++;
    count++;
  }
  return fw_make_int(env, (int64_t)count);
}

// pacerStats(handle, out: Float64Array): void
// out[0] datagrams queued and not yet sent, [1] sent and not yet collected, [2] sendmmsg batches, [3] waits for room
// in the send buffer (EAGAIN/ENOBUFS), [4] datagrams the kernel refused (lost), [5] datagrams sent or refused,
// [6] 1 when the thread runs at a real-time priority (SCHED_FIFO), else 0, [7] 1 while runs leave as UDP GSO messages.
napi_value js_pacer_stats(napi_env env, napi_callback_info info) {
  pacer_t *p;
  size_t length;
  double *out = pacer_and_doubles(env, info, &p, &length, 8, "pacerStats: out must be a Float64Array(8)");
  if (!out) return NULL;
  uint64_t queued = atomic_load(&p->queued), sent = atomic_load(&p->sent);
  out[0] = (double)(queued - sent);
  out[1] = (double)(sent - p->collected);
  out[2] = (double)atomic_load(&p->batches);
  out[3] = (double)atomic_load(&p->retries);
  out[4] = (double)atomic_load(&p->refused);
  out[5] = (double)sent;
  out[6] = atomic_load(&p->realtime) ? 1 : 0;
  out[7] = atomic_load(&p->segment) ? 1 : 0;
  return NULL;
}

// pacerClose(handle): number
// Stops the thread and waits for it (at most a few ms); returns how many queued datagrams it never sent. The fd is
// untouched: close it after this. Again is harmless (returns 0).
napi_value js_pacer_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pacer_t *p = get_pacer(env, argv[0]);
  if (!p) return NULL;
  if (p->joined) return fw_make_int(env, 0);
  pacer_stop(p);
  return fw_make_int(env, (int64_t)(atomic_load(&p->queued) - atomic_load(&p->sent)));
}

// pacerNow(): number — CLOCK_MONOTONIC in ns, the pacer's clock (the same as process.hrtime.bigint()).
napi_value js_pacer_now(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_double(env, (double)now_ns(), &out));
  return out;
}
