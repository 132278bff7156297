/** What a V4L2 capture device offers, as discovered from ffmpeg (and v4l2-ctl when installed). */

export interface DeviceSize {
  width: number;
  height: number;
  /** Frame rates the device offers at this size; empty when unknown (ffmpeg does not list them). */
  fps: number[];
}

/** A stepwise or continuous size range (some devices offer any size within bounds). */
export interface SizeRange {
  minWidth: number;
  maxWidth: number;
  stepWidth: number;
  minHeight: number;
  maxHeight: number;
  stepHeight: number;
}

export interface VideoFormat {
  /** ffmpeg's name, as given to `-input_format`: yuyv422, mjpeg, ... */
  name: string;
  compressed: boolean;
  /** The driver's description, e.g. "YUYV 4:2:2" or "Motion-JPEG". */
  description: string;
  /** Discrete sizes, in the order the driver lists them. */
  sizes: DeviceSize[];
  range?: SizeRange;
}

export interface VideoDevice {
  path: string;
  formats: VideoFormat[];
  /** Why the device could not be probed (busy, no permission, not a capture node); formats are then empty. */
  error?: string;
}
