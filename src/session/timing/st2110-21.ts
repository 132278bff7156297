/**
 * The parameters of the SMPTE ST 2110-21:2017 timing model for one video stream: packet read spacing (TRS), the
 * network compatibility limit (CMAX) and the virtual receive buffer limit (VRX_FULL), for narrow and wide senders.
 *
 * Sources, each formula checked against both:
 * - SMPTE ST 2110-21:2017 (TRS of the linear and gapped packet read schedules, RACTIVE and β of its timing models,
 *   CMAX and VRX_FULL per sender type; section numbers are not cited because the text was read as restated in)
 * - the Media Transport Library's receive timing parser (OpenVisualCloud/Media-Transport-Library,
 *   lib/src/st2110/st_rx_timing_parser.c, rv_tp_init), used to check third-party ST 2110 gear, and
 * - EBU LIST's "Video Parameters Explained" (ebu/pi-list, docs/video_timing_analysis.md) for what Cinst and VRX are.
 *
 * With NPACKETS packets a frame, TFRAME the frame period in seconds:
 *
 *   TRS (linear)   = TFRAME / NPACKETS
 *   TRS (gapped)   = TFRAME × RACTIVE / NPACKETS          RACTIVE = active lines / total lines (1080/1125 ...)
 *   CMAX narrow    = max(4,   floor(NPACKETS / (43200 × RACTIVE × TFRAME)))
 *   CMAX wide      = max(16,  floor(NPACKETS / (21600 × TFRAME)))
 *   VRX_FULL narrow = max(8,   floor(NPACKETS / (27000 × TFRAME)))
 *   VRX_FULL wide   = max(720, floor(NPACKETS / (300 × TFRAME)))
 *
 * The network compatibility model drains its bucket β = 1.1 times faster than TRS.
 */

/** ST 2110-21's scaling factor β of the network compatibility model's drain (the Media Transport Library's ST_TP_CINST_DRAIN_FACTOR). */
export const BETA = 1.1;

/**
 * How the sender spreads a frame's packets (ST 2110-21's packet read schedules): evenly over the whole frame period (linear), or
 * over its active part, leaving the vertical blanking gap empty (gapped).
 */
export type Schedule = 'linear' | 'gapped';

export type TimingVerdict = 'narrow' | 'wide' | 'non-conformant';

/**
 * RACTIVE of a progressive frame: active over total lines of its raster. The rasters ST 2110-21 lists all give 0.96
 * (720/750, 1080/1125, 2160/2250); for any other size (640x480, 160x120) the Media Transport Library takes 1080/1125 as
 * well, and so does framewire's gapped pacer (src/transport/pacing.ts). One value, then.
 */
export const RACTIVE_PROGRESSIVE = 1080 / 1125;

/** TRS, the spacing of the packet read schedule, in the unit `framePeriod` is given in. */
export function readSpacing(framePeriod: number, packets: number, schedule: Schedule, ractive: number): number {
  return (framePeriod * (schedule === 'gapped' ? ractive : 1)) / packets;
}

/** The limits a frame of `packets` packets every `frameSec` seconds is held to (ST 2110-21's narrow and wide sender types). */
export interface TimingLimits {
  cmaxNarrow: number;
  cmaxWide: number;
  vrxFullNarrow: number;
  vrxFullWide: number;
}

export function timingLimits(packets: number, frameSec: number, ractive: number): TimingLimits {
  return {
    cmaxNarrow: Math.max(4, Math.floor(packets / (43200 * ractive * frameSec))),
    cmaxWide: Math.max(16, Math.floor(packets / (21600 * frameSec))),
    vrxFullNarrow: Math.max(8, Math.floor(packets / (27000 * frameSec))),
    vrxFullWide: Math.max(720, Math.floor(packets / (300 * frameSec))),
  };
}

/**
 * The sender type a frame's timing allows, in the Media Transport Library's order: both measures within the narrow
 * limits is narrow, within the wide limits wide, otherwise not conformant.
 */
export function verdictOf(cinstMax: number, vrxMax: number, limits: TimingLimits): TimingVerdict {
  if (cinstMax <= limits.cmaxNarrow && vrxMax <= limits.vrxFullNarrow) return 'narrow';
  if (cinstMax <= limits.cmaxWide && vrxMax <= limits.vrxFullWide) return 'wide';
  return 'non-conformant';
}

const RANK: Record<TimingVerdict, number> = { narrow: 0, wide: 1, 'non-conformant': 2 };

/** The worse of two verdicts (a stream is what its worst frame is). */
export function worseVerdict(a: TimingVerdict, b: TimingVerdict): TimingVerdict {
  return RANK[b] > RANK[a] ? b : a;
}
