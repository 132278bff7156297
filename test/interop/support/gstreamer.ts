import type { FrameGeometry } from '../../../src/frame.js';
import { finished, startPeer, type Peer } from '../../support/peers.js';
import type { CliResult } from '../../support/cli.js';

/** GStreamer's name for a framewire pixel format, in video/x-raw caps and RFC 4175 `sampling`. */
const GST_FORMAT: Record<FrameGeometry['format'], { raw: string; sampling: string }> = {
  rgb24: { raw: 'RGB', sampling: 'RGB' },
  uyvy: { raw: 'UYVY', sampling: 'YCbCr-4:2:2' },
};

export function rawCaps(g: FrameGeometry, fps?: number): string {
  const rate = fps === undefined ? '' : `,framerate=${fps}/1`;
  return `video/x-raw,format=${GST_FORMAT[g.format].raw},width=${g.width},height=${g.height}${rate}`;
}

/** The caps rtpvrawdepay needs on a bare udpsrc: what an SDP would otherwise tell it. */
export function rtpRawCaps(g: FrameGeometry): string {
  return `application/x-rtp,media=(string)video,clock-rate=(int)90000,encoding-name=(string)RAW,` +
    `sampling=(string)${GST_FORMAT[g.format].sampling},depth=(string)8,width=(string)${g.width},` +
    `height=(string)${g.height},colorimetry=(string)BT601-5,payload=(int)96`;
}

/** `gst-launch-1.0 -q -e PIPELINE`'s arguments (elements separated by '!' tokens). */
export function gstLaunchArgs(...elements: string[][]): string[] {
  const args = ['-q', '-e'];
  elements.forEach((element, i) => {
    if (i > 0) args.push('!');
    args.push(...element);
  });
  return args;
}

/** Runs `gst-launch-1.0 -e PIPELINE` (elements separated by '!' tokens). */
export function startGst(...elements: string[][]): Peer {
  return startPeer('gst-launch-1.0', gstLaunchArgs(...elements));
}

/**
 * The tail of a receiving pipeline: depayload RFC 4175, keep `frames` frames, write them back to back to `file`.
 * identity ends the stream on the buffer after the last one wanted, so the pipeline exits by itself.
 */
export function depayToFile(g: FrameGeometry, frames: number, file: string): string[][] {
  return [
    ['rtpvrawdepay'],
    [rawCaps(g)],
    ['identity', `eos-after=${frames + 1}`],
    ['filesink', `location=${file}`],
  ];
}

/**
 * Ends a GStreamer *sender* whose pipeline also sends RTCP (rtpsession's send_rtcp_src into a udpsink), once the
 * receiving side has what it came for. Such a pipeline does not always end by itself, through a race in
 * rtpsession (GStreamer 1.22): EOS on send_rtp_sink schedules the BYE with interval 0, the RTCP thread sends it at
 * once, and forwards EOS on send_rtcp_src only if send_rtp_sink is already flagged EOS. The flag is set when the
 * EOS event function returns, so when the streaming thread is preempted in between, the RTCP udpsink never gets
 * EOS and `gst-launch -e` waits forever (2 of 40 three-frame runs under `stress-ng --cpu 4`; GST_DEBUG=rtpsession:6
 * shows the BYE sent 0.4 ms after "scheduling BYE message" and no "sending EOS"). SIGINT does not help: -e sends
 * EOS into the sources, and the RTCP udpsrc's EOS ends at recv_rtcp_sink.
 *
 * Waits `graceMs` for the pipeline's own end, then kills it; `hungAtEos` says which. Its frames are out by then.
 */
export async function endRtcpSender(peer: Peer, graceMs = 5_000): Promise<CliResult & { hungAtEos: boolean }> {
  const result = await finished(peer, graceMs);
  return { ...result, hungAtEos: result.code === null };
}
