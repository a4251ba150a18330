/**
 * t2vlp as a dependency: `npm pack` this repository, install the tarball into a fresh project
 * (dependencies from the registry, native addon built by the `install` script), then in that
 * project, with plain node and no tsx: `import('t2vlp')` computes a tensor product, loads a tiny
 * checkpoint and encodes a generated video (compared with the same encoding by the sources in this
 * process), `npx t2vlp --help` runs the compiled CLI, and the README's library example
 * (docs: README "Using the library") type-checks against the installed .d.ts files and runs as
 * written on a tiny model saved as `ViT-B-16.pt` and a generated `video.mp4`.
 * Slow (minutes: the native build), and needs the npm registry or a warm npm cache.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { clipToTensors, VideoReader } from '../../src/data/index.js';
import { writeIndexVideo } from '../../src/data/video/test-videos.js';
import { T2VLP } from '../../src/model/index.js';
import { noGrad, scope } from '../../src/torch/index.js';
import { TINY_CONFIG } from '../fixtures/cli/tiny-model.js';
import { failure, installIntoFreshProject, packRepo, run, type Packed } from './installed-project.js';
import { readmeLibraryExample } from './readme-example.js';

const INSTALL_TIMEOUT_MS = 25 * 60_000;
const MAX_TARBALL_BYTES = 3 << 20;

let work: string;
let packed: Packed;
let project: string;

before(
  async () => {
    work = await mkdtemp(join(tmpdir(), 't2vlp-pack-'));
    packed = await packRepo(work);
    project = await installIntoFreshProject(packed.tarball);
  },
  { timeout: INSTALL_TIMEOUT_MS },
);
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
  if (project) await rm(project, { recursive: true, force: true });
});

const node = (args: string[], timeoutMs = 120_000) => run(process.execPath, args, project, timeoutMs);

describe('the npm tarball', () => {
  test('holds dist/ with its assets, the native sources and the vocabulary, and no tests or sources', (t) => {
    const paths = new Set(packed.files.map((f) => f.path));
    t.diagnostic(`tarball ${packed.size} bytes (${packed.unpackedSize} unpacked, ${paths.size} files)`);
    for (const p of [
      'package.json',
      'README.md',
      'bin/t2vlp.js',
      'binding.gyp',
      'native/build.mjs',
      'native/find-libtorch.mjs',
      'native/src/gen/ops.gen.cc',
      'assets/bpe_simple_vocab_16e6.txt.gz',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'dist/model/configs/vit-b-16.json',
    ])
      assert.ok(paths.has(p), `the tarball lacks ${p}`);
    const unwanted = [...paths].filter((p) => /^(src|test|bench|scripts|build)\/|\.test\.|\/testing\//.test(p));
    assert.deepEqual(unwanted, [], 'tests, sources, scripts or a prebuilt addon in the tarball');
    assert.ok(packed.size < MAX_TARBALL_BYTES, `tarball is ${packed.size} bytes; expected under ${MAX_TARBALL_BYTES}`);
  });
});

describe('t2vlp installed from the tarball', () => {
  test('import("t2vlp") computes on libtorch and encodes a generated video like the sources do', async () => {
    await writeIndexVideo(join(project, 'clip.mp4'), 16, 8, { width: 64, height: 32 });
    const m = new T2VLP(TINY_CONFIG);
    await m.save(join(project, 'tiny.safetensors'));
    m.dispose();
    await writeFile(
      join(project, 'check.mjs'),
      `import { T2VLP, VideoReader, clipToTensors, noGrad, scope, tensor } from 't2vlp';
const a = tensor(Float32Array.from([1, 2, 3, 4]), [2, 2]);
const p = a.matmul(a);
const product = Array.from(p.toArray());
a.dispose();
p.dispose();
const model = (await T2VLP.load('tiny.safetensors')).eval();
const clip = await new VideoReader({ maxFrames: 4, featureFramerate: 2, imageSize: 32 }).read('clip.mp4');
const e = noGrad(() => scope(() => {
  const { frames, mask } = clipToTensors(clip);
  return model.encodeVideo(frames.unsqueeze(0), mask.unsqueeze(0)).embedding;
}));
console.log(JSON.stringify({ product, shape: e.shape, embedding: Array.from(e.toArray()) }));
e.dispose();
model.dispose();
`,
    );
    const r = await node(['check.mjs']);
    assert.equal(r.code, 0, failure(`node check.mjs in ${project}`, r));
    const got = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { product: number[]; shape: number[]; embedding: number[] };
    assert.deepEqual(got.product, [7, 10, 15, 22]);
    assert.deepEqual(got.shape, [1, TINY_CONFIG.embedDim]);

    // The same encoding by the sources in this process: the installed build must agree (float32
    // on the same libtorch, same decoder; tolerance 1e-5 absolute).
    const model = (await T2VLP.load(join(project, 'tiny.safetensors'))).eval();
    const clip = await new VideoReader({ maxFrames: 4, featureFramerate: 2, imageSize: 32 }).read(join(project, 'clip.mp4'));
    const want = noGrad(() =>
      scope(() => {
        const { frames, mask } = clipToTensors(clip);
        return Array.from(model.encodeVideo(frames.unsqueeze(0), mask.unsqueeze(0)).embedding.toArray<'float32'>());
      }),
    );
    model.dispose();
    const worst = Math.max(...want.map((w, i) => Math.abs(w - got.embedding[i]!)));
    assert.ok(worst < 1e-5, `installed vs source video embedding: max difference ${worst} (tolerance 1e-5)`);
  });

  test('npx t2vlp --help runs the compiled CLI; errors set the exit code', async () => {
    const help = await run('npx', ['--no-install', 't2vlp', '--help'], project, 120_000);
    assert.equal(help.code, 0, failure('npx t2vlp --help', help));
    for (const c of ['demo', 'train', 'encode', 'search', 'eval', 'generate-data'])
      assert.match(help.stdout, new RegExp(`\\n  ${c} `), `--help does not list '${c}':\n${help.stdout}`);
    const bad = await run('npx', ['--no-install', 't2vlp', 'search', '--top', '0'], project, 120_000);
    assert.equal(bad.code, 2, failure('npx t2vlp search --top 0', bad));
    assert.match(bad.stderr, /t2vlp search: --checkpoint is required/);
  });

  test("the README's library example type-checks and runs as written", async (t) => {
    const example = await readmeLibraryExample();
    t.diagnostic(`README example: ${example.split('\n').length} lines`);
    // The files it names: a tiny random model in place of OpenAI's ViT-B/16 archive (format is
    // detected from the content), at the example's 224-px frames and 12 frames per video.
    const m = new T2VLP({ ...TINY_CONFIG, imageResolution: 224, visionPatchSize: 32, numFrames: 12 });
    await m.save(join(project, 'ViT-B-16.pt'));
    m.dispose();
    await writeIndexVideo(join(project, 'video.mp4'), 24, 8, { width: 64, height: 32 });
    await writeFile(join(project, 'readme-example.ts'), example);
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify(
        {
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            outDir: 'out',
            rootDir: '.',
            types: ['node'],
            typeRoots: [fileURLToPath(new URL('../../node_modules/@types', import.meta.url))],
          },
          files: ['readme-example.ts'],
        },
        null,
        2,
      ),
    );
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const compiled = await node([tsc, '-p', 'tsconfig.json'], 300_000);
    assert.equal(compiled.code, 0, failure(`tsc of the README example (${join(project, 'readme-example.ts')})`, compiled));
    const r = await node([join('out', 'readme-example.js')]);
    assert.equal(r.code, 0, failure('node out/readme-example.js (the README example)', r));
    // It prints sim.toArray(): one text × one video.
    const printed = /Float32Array\(1\) \[\s*(-?[\d.e+-]+)\s*\]/.exec(r.stdout);
    assert.ok(printed, `the example printed no 1-element similarity:\n${r.stdout}`);
    assert.ok(Number.isFinite(Number(printed[1])), `similarity is not a number: ${printed[1]}`);
  });
});
