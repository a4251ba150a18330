// The rows of WebVid's metadata CSVs (results_2M_train.csv / results_2M_val.csv) that preparing
// shards needs: video id, caption and page folder, found by header name since releases order
// the columns differently (videoid,contentUrl,duration,page_dir,name and
// videoid,name,page_idx,page_dir,duration,contentUrl both occur; docs/DATA.md §4.1). Several
// files are read one after another and numbered as one sequence of rows.
import { AnnotationError } from '../errors.js';
import { readCsvRows } from './csv-stream.js';

export interface WebvidCsvRow {
  /** 0-based position among the data rows of all files, in order. */
  ordinal: number;
  videoId: string;
  /** The `name` column. */
  caption: string;
  /** The `page_dir` column ('' when the file has none). */
  pageDir: string;
  file: string;
  line: number;
  /** Set when the row lacks its video id or caption; the row is then skipped and listed. */
  problem?: string;
}

/** Streams the data rows of `paths` in order, stopping after `limit` rows in all. */
export async function* readWebvidCsvs(
  paths: readonly string[],
  o: { limit?: number; signal?: AbortSignal } = {},
): AsyncGenerator<WebvidCsvRow> {
  let ordinal = 0;
  const limit = o.limit ?? Infinity;
  for (const file of paths) {
    if (ordinal >= limit) return;
    let cols: { id: number; name: number; pageDir: number } | undefined;
    for await (const row of readCsvRows(file, o.signal)) {
      if (!cols) {
        const header = row.fields.map((h) => h.trim());
        const id = header.indexOf('videoid');
        const name = header.indexOf('name');
        if (id < 0 || name < 0)
          throw new AnnotationError(
            'MISSING_FIELD',
            `readWebvidCsvs: '${file}' has no '${id < 0 ? 'videoid' : 'name'}' column (header: ${header.join(',')}); expected a WebVid results_*.csv with videoid, name and page_dir`,
          );
        cols = { id, name, pageDir: header.indexOf('page_dir') };
        continue;
      }
      if (ordinal >= limit) return;
      const f = row.fields;
      const videoId = (f[cols.id] ?? '').trim();
      const caption = f[cols.name];
      const out: WebvidCsvRow = {
        ordinal: ordinal++,
        videoId,
        caption: caption ?? '',
        pageDir: cols.pageDir >= 0 ? (f[cols.pageDir] ?? '').trim() : '',
        file,
        line: row.line,
      };
      if (!videoId) out.problem = 'no videoid';
      else if (caption === undefined)
        out.problem = `the row has ${f.length} field(s); 'name' is column ${cols.name + 1}`;
      else if (/[\t\r\n]/.test(videoId))
        out.problem = 'videoid holds a tab or line break (the index file cannot hold it)';
      else if (/[/\\]|^\.\.?$/.test(videoId) || /(^|[/\\])\.\.([/\\]|$)/.test(out.pageDir))
        out.problem = 'videoid or page_dir would leave the clips folder';
      yield out;
    }
    if (!cols)
      throw new AnnotationError(
        'BAD_FORMAT',
        `readWebvidCsvs: '${file}' is empty (expected a header with videoid, name, page_dir)`,
      );
  }
}
