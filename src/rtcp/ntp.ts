/**
 * NTP timestamps as RTCP carries them (RFC 3550 section 4): seconds since 1900-01-01 in the high 32 bits, the
 * fraction of a second in the low 32. LSR and DLSR (section 6.4.1) use the middle 32 bits: 16 bits of seconds and
 * 16 of fraction, units of 1/65536 s.
 */

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;

export interface NtpTime {
  seconds: number;
  fraction: number;
}

/** The NTP timestamp of a wall-clock time in microseconds since the Unix epoch. */
export function ntpFromUs(timeUs: number): NtpTime {
  const unixSeconds = Math.floor(timeUs / 1e6);
  const restUs = timeUs - unixSeconds * 1e6;
  return {
    seconds: (unixSeconds + NTP_UNIX_OFFSET_S) >>> 0,
    fraction: Math.floor((restUs / 1e6) * 2 ** 32) >>> 0,
  };
}

/** The middle 32 bits of an NTP timestamp (what LSR echoes), in units of 1/65536 s. */
export function ntpMiddle(t: NtpTime): number {
  return (((t.seconds & 0xffff) << 16) | (t.fraction >>> 16)) >>> 0;
}

/** Units of 1/65536 s, as DLSR and the LSR arithmetic count, from microseconds (rounded, 32 bits). */
export function unitsFromUs(us: number): number {
  return Math.round((us * 65_536) / 1e6) >>> 0;
}

export function usFromUnits(units: number): number {
  return (units * 1e6) / 65_536;
}

/**
 * Round-trip time from a reception report (RFC 3550 section 6.4.1, figure 2): the arrival time of the report minus
 * the LSR it echoes minus the DLSR the receiver held it, all in 1/65536 s and mod 2^32. Undefined when the receiver
 * has had no SR from us (LSR 0) or the result is not plausible (clocks or a forged report).
 */
export function roundTripUs(arrivalUs: number, lsr: number, dlsr: number): number | undefined {
  if (lsr === 0) return undefined;
  const rtt = (ntpMiddle(ntpFromUs(arrivalUs)) - lsr - dlsr) >>> 0;
  // More than a minute (or a negative result wrapped around) is not a round trip on any network we emulate.
  return rtt > 60 * 65_536 ? undefined : usFromUnits(rtt);
}
