import { SettingError } from '../usage-error.js';

/**
 * How a sender spreads a frame's packets in time (SMPTE ST 2110-21:2022 section 6.3, the packet read schedule):
 *
 *   linear   packets evenly over the whole frame period: TRS = TFRAME / NPACKETS (RACTIVE = 1)
 *   gapped   packets evenly over the active part, none in the vertical blanking at the end of the frame:
 *            TRS = TFRAME x RACTIVE / NPACKETS, RACTIVE = 1080/1125 for progressive video (section 6.3.2; ST 2110-21
 *            uses the 1125-line raster's active fraction for every progressive format, 720p included)
 *   burst    every packet as soon as the kernel takes it (what framewire did before pacing)
 *   adaptive --fps max on RTP: frames back to back, their packets spread linearly at the rate the receiver keeps up
 *            with, found from its RTCP reports (src/session/interceptors/receiver-paced-rate.ts)
 *
 *   frame N            frame N+1
 *   |. . . . . . . . . |. . . . . . . . . |   linear: TRS = TFRAME / NPACKETS
 *   |. . . . . . . .   |. . . . . . . .   |   gapped: the last 45/1125 of the frame is the gap
 *   |........          |........          |   burst
 *
 * Packet 0 is due at the frame's own time: framewire's frames are not aligned to the SMPTE epoch (no PTP here), so
 * the standard's TRO_DEFAULT offset from that epoch (43/1125 or 28/750 of TFRAME, section 6.3.2) has nothing to
 * be measured from, and is not added.
 */
export type PacingMode = 'linear' | 'gapped' | 'burst' | 'adaptive';

export const PACING_MODES: readonly PacingMode[] = ['linear', 'gapped', 'burst', 'adaptive'];

/** RACTIVE for progressive video, ST 2110-21:2022 section 6.3.2. */
export const GAPPED_ACTIVE_RATIO = 1080 / 1125;

/** When a frame's packets are due: packet i at the frame's time + i x spacingNs. */
export interface FrameSchedule {
  spacingNs: number;
}

/** The spacing of `packets` packets in a frame period of `periodNs` (burst: 0, all at once). */
export function frameSchedule(mode: PacingMode, periodNs: number, packets: number): FrameSchedule {
  if (mode === 'burst' || packets <= 0) return { spacingNs: 0 };
  const span = mode === 'gapped' ? periodNs * GAPPED_ACTIVE_RATIO : periodNs;
  return { spacingNs: span / packets };
}

/**
 * The pacing a sender runs: `linear` by default at a set frame rate; at --fps max, `adaptive` where the receiver
 * reports back (RTP wires: RTCP), else `burst`. A mode that cannot work with the rest is a usage error, not something
 * quietly changed.
 */
export function resolvePacing(mode: PacingMode | undefined, fps: number | 'max', feedback: boolean): PacingMode {
  if (mode !== undefined && !PACING_MODES.includes(mode)) {
    throw new SettingError('pacing', `'${String(mode)}' is not a pacing mode (one of ${PACING_MODES.join(', ')})`);
  }
  if (fps === 'max') {
    if (mode === 'linear' || mode === 'gapped') {
      throw new SettingError('pacing', `${mode} spreads each frame over its frame period, and --fps max has none: set an fps, or use adaptive or burst`);
    }
    if (mode === 'adaptive' && !feedback) {
      throw new SettingError('pacing', 'adaptive follows the receiver\'s RTCP reports, and the raw wire has none: use burst');
    }
    return mode ?? (feedback ? 'adaptive' : 'burst');
  }
  if (mode === 'adaptive') {
    throw new SettingError('pacing', 'adaptive is for --fps max: at a set fps the frame period sets the pace (linear, gapped or burst)');
  }
  return mode ?? 'linear';
}

/** The CLOCK_MONOTONIC reading in ns, the native pacer's clock (pacerNow) read from JS: libuv's uv_hrtime. */
export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}
