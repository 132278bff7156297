import { readdirSync, readlinkSync } from 'node:fs';

/**
 * The fds this process's own code opens and closes on the main thread, as "fd target" from /proc/self/fd: sockets and
 * kernel objects (epoll, eventfd, timerfd). Regular files and pipes are left out: libuv's threadpool (fs calls) and
 * worker threads open and close those at any moment, also while the main thread runs synchronous code, so a
 * before/after comparison that counted them failed now and then (two fds fewer after a block of synchronous calls)
 * for reasons that had nothing to do with the code under test. Read synchronously, so no JS runs in between.
 */
export function mainThreadFds(): string[] {
  const fds: string[] = [];
  for (const fd of readdirSync('/proc/self/fd').sort((a, b) => Number(a) - Number(b))) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed since the listing, by another thread
    }
    if (target.startsWith('/') || target.startsWith('pipe:')) continue;
    fds.push(`${fd} ${target}`);
  }
  return fds;
}
