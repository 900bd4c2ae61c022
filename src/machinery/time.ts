// Timestamps as the API writes them (RFC 3339, whole seconds, UTC: metav1.Time).

let lastSecond = NaN;
let lastText = '';

/**
 * d as "2006-01-02T15:04:05Z". Every write stamps one or two of these and
 * most fall in the same second as the one before, so that one is remembered.
 */
export function secondsTimestamp(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second === lastSecond) return lastText;
  const text = d.toISOString().replace(/\.\d+Z$/, 'Z');
  lastSecond = second;
  lastText = text;
  return text;
}
