/** Reading lake objects back: one JSON event per line; a line that is not one is counted, not fatal. */
import type { LakeEvent } from './event';

export function parseLakeLines(text: string): { events: LakeEvent[]; malformed: number } {
  const events: LakeEvent[] = [];
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) events.push(value as LakeEvent);
      else malformed += 1;
    } catch {
      malformed += 1;
    }
  }
  return { events, malformed };
}
