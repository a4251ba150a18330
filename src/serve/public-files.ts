/**
 * Where the page's static files are: `public/` beside this module when run from the sources,
 * `src/serve/public/` from the package root when run from the compiled dist/ (tsc does not copy
 * them; the package ships src/).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const candidates = [join(here, 'public'), join(here, '..', '..', 'src', 'serve', 'public')];
const dir = candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[0]!;

export function publicFile(name: string): string {
  return join(dir, name);
}
