/**
 * Progress of a counted job on stderr: a redrawn bar on a terminal, otherwise one plain line per
 * update (callers update once per batch), so logs of long encodes stay short and greppable.
 */
export interface CountProgressOptions {
  quiet?: boolean;
  /** Default process.stderr. */
  stream?: NodeJS.WriteStream;
}

export type CountProgress = (done: number, total: number, note?: string) => void;

export function countProgress(
  label: string,
  unit: string,
  o: CountProgressOptions = {},
): CountProgress {
  const s = o.stream ?? process.stderr;
  const start = Date.now();
  let lastDraw = 0;
  return (done, total, note) => {
    if (o.quiet) return;
    const sec = (Date.now() - start) / 1000;
    const rate = sec > 0 ? `${(done / sec).toFixed(1)} ${unit}/s` : '';
    const tail = [rate, note].filter(Boolean).join(', ');
    if (s.isTTY) {
      const now = Date.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      const width = 24;
      const filled = total > 0 ? Math.round((width * done) / total) : width;
      s.write(
        `\r${label} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${done}/${total} ${unit} ${tail}  `,
      );
      if (done >= total) s.write('\n');
    } else {
      console.error(`${label}: ${done}/${total} ${unit}${tail ? ` (${tail})` : ''}`);
    }
  };
}
