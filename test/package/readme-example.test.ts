/** Finding the README's library example by heading and fence (the install test runs it). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeUnderHeading, LIBRARY_HEADING, readmeLibraryExample } from './readme-example.js';

const md = (body: string) => `# t\n\n## Before\n\n\`\`\`ts\nwrong();\n\`\`\`\n\n${LIBRARY_HEADING}\n\ntext\n\n${body}`;

test('takes the first ts fence under the heading, whatever lines precede it', () => {
  assert.equal(codeUnderHeading(md('```ts\nconst a = 1;\n\nrun(a);\n```\n\n```ts\nlater();\n```\n'), LIBRARY_HEADING), 'const a = 1;\n\nrun(a);\n');
});

test('a section without a ts block, or no such heading, is an error naming the heading', () => {
  assert.throws(() => codeUnderHeading(md('no code\n\n## Next\n\n```ts\nx();\n```\n'), LIBRARY_HEADING), /no ```ts code block under '## Using the library'/);
  assert.throws(() => codeUnderHeading('# t\n', LIBRARY_HEADING), /README\.md has no '## Using the library' heading/);
  assert.throws(() => codeUnderHeading(md('```ts\nx();\n'), LIBRARY_HEADING), /is not closed/);
});

test("the repository README's example imports from 't2vlp'", async () => {
  assert.match(await readmeLibraryExample(), /from 't2vlp'/);
});
