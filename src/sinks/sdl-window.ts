import type { Sdl } from '@kmamal/sdl';
import { missingDisplay } from './display.js';

/** What to install and run when the SDL addon is missing; the install step builds it when it can. */
export const SDL_BUILD_HINT =
  'install libsdl2-dev (sudo apt-get install libsdl2-dev), then build the addon: node scripts/build-sdl.mjs --strict';

type SdlModule = typeof import('@kmamal/sdl');
export type SdlWindow = Sdl.Video.Window;

let loading: Promise<SdlModule> | undefined;

/**
 * Loads @kmamal/sdl on first use only: importing it initialises SDL, and a machine without the native addon
 * (no libsdl2-dev at install time) must still run every other command.
 */
function loadSdl(): Promise<SdlModule> {
  loading ??= import('@kmamal/sdl').then(
    (m) => m.default,
    (err: Error) => {
      loading = undefined;
      throw new Error(`sdl: the SDL display is not available (${firstLine(err.message)}); ${SDL_BUILD_HINT}`);
    },
  );
  return loading;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!;
}

export interface WindowOptions {
  title: string;
  width: number;
  height: number;
}

const DISPLAY_HINT = 'set DISPLAY to a running X server, or run under xvfb-run -a';

/** Opens a visible window; a failure names the likely cause (no X display) and the fix. */
export async function openWindow(options: WindowOptions): Promise<SdlWindow> {
  // Before SDL loads: it would print its own complaints about the missing display ahead of this message.
  const missing = await missingDisplay();
  if (missing) throw new Error(`sdl: cannot open a window (${missing}); ${DISPLAY_HINT}`);
  const sdl = await loadSdl();
  try {
    return sdl.video.createWindow({ ...options, resizable: true });
  } catch (err) {
    throw new Error(
      `sdl: cannot open a window (${firstLine((err as Error).message)}); ${DISPLAY_HINT}`,
    );
  }
}
