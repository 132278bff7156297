import { geometryOf, type FrameGeometry } from '../frame.js';
import { SettingError } from '../usage-error.js';
import { FfmpegStreamSource } from './ffmpeg-stream.js';
import type { Source, SourceOptions } from './source.js';

/**
 * Graph rate when no --fps is given. ffmpeg then runs unpaced (no -re) and the pipe's backpressure is the
 * only limit, so the rate only sets how far the picture moves per frame.
 */
const UNPACED_GRAPH_RATE = 60;

/**
 * `lavfi:GRAPH` source: ffmpeg's synthetic inputs (testsrc2, smptebars, ...) through the same streaming
 * path as a camera. A single source filter gets the frame size and rate appended to its options; a
 * filter chain is passed as written and its output scaled to the requested size.
 * With --fps, ffmpeg paces itself in real time (-re), like a camera; without it, frames come as fast as
 * ffmpeg makes them.
 */
export async function createLavfiSource(graph: string, options: SourceOptions): Promise<Source> {
  if (graph.trim() === '') throw new SettingError('source', "lavfi needs a filter graph, e.g. 'lavfi:testsrc2'");
  const g = geometryOf(options);
  const label = `lavfi:${graph}`;
  const args = lavfiInputArgs(graph, g, options.fps);
  return new FfmpegStreamSource({
    geometry: g,
    description: `${label} ${g.width}x${g.height} ${g.format} ${options.fps === undefined ? 'unpaced' : `${options.fps} fps`}`,
    label,
    inputArgs: async () => args,
    endless: false,
    explainExit: (stderr, how) => `${label}: ${how}${stderr ? `: ${stderr}` : ''}`,
    stamp: options.stamp,
  });
}

/** ffmpeg input arguments for a lavfi graph at this geometry and rate (undefined: unpaced). */
export function lavfiInputArgs(graph: string, g: FrameGeometry, fps: number | undefined): string[] {
  const single = !/[,;[]/.test(graph);
  const rate = fps ?? UNPACED_GRAPH_RATE;
  const input = single ? `${graph}${graph.includes('=') ? ':' : '='}size=${g.width}x${g.height}:rate=${rate}` : graph;
  return [...(fps === undefined ? [] : ['-re']), '-f', 'lavfi', '-i', input];
}
