import { stat } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { isAbsolute, join } from 'node:path';

/** Long enough for any local display server to accept; a Unix socket connect is answered at once or refused. */
const CONNECT_TIMEOUT_MS = 1000;

function connects(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ path });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), CONNECT_TIMEOUT_MS);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Why there is no display to open a window on, found before SDL is loaded; undefined when one looks reachable. SDL
 * prints its own errors to stderr from native code as it starts, where framewire cannot hold them back, so a
 * missing display is caught here and reported in one line of framewire's. Only what can be checked locally is:
 * a Wayland socket, a local X display's socket (file or abstract). A remote display, another platform, or an
 * SDL_VIDEODRIVER the user chose are left for SDL to judge.
 */
export async function missingDisplay(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (process.platform !== 'linux' || env.SDL_VIDEODRIVER) return undefined;
  const wayland = env.WAYLAND_DISPLAY;
  if (wayland) {
    const socket = isAbsolute(wayland) ? wayland : join(env.XDG_RUNTIME_DIR ?? '', wayland);
    if ((await stat(socket).catch(() => undefined))?.isSocket()) return undefined;
  }
  const display = env.DISPLAY;
  if (!display) return wayland ? `no Wayland display at ${wayland}, and DISPLAY is not set` : 'DISPLAY is not set';
  const local = /^(?:unix)?:(\d+)(?:\.\d+)?$/.exec(display);
  if (!local) return undefined;
  const socket = `/tmp/.X11-unix/X${local[1]}`;
  if ((await connects(socket)) || (await connects(`\0${socket}`))) return undefined;
  return `no X server at DISPLAY=${display}: nothing listens on ${socket}`;
}
