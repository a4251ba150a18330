/**
 * The queue limit end to end: `t2vlp serve --queue-limit 1` as a process. It is paused
 * (SIGSTOP) while 30 search requests reach it on open connections, then resumed, so they all
 * arrive at once:
 * the queue takes one, the others get 503 with Retry-After at once, and afterwards it serves
 * again. Also checks the URL line and graceful shutdown on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { tempDir, writeTestVideo, writeTinyCheckpoint } from '../library/testing/fixtures.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';

// Kept-alive connections: requests on open sockets are read in the same event-loop turn, as
// from a busy browser or a load balancer (new connections are accepted one per turn).
const agent = new Agent({ keepAlive: true, maxSockets: 30 });

function get(url: string): Promise<{ status: number; retryAfter?: string; body: string }> {
  return new Promise((res, rej) => {
    const r = request(url, { agent }, (resp) => {
      let body = '';
      resp.on('data', (c: Buffer) => (body += c.toString('utf8')));
      resp.on('end', () => res({ status: resp.statusCode ?? 0, retryAfter: resp.headers['retry-after'] as string | undefined, body }));
    });
    r.on('error', rej);
    r.end();
  });
}

test('serve --queue-limit 1: a burst gets 503 + Retry-After beyond the limit, then it serves again', { timeout: 180_000 }, async () => {
  const dir = tempDir('queue');
  const lib = join(dir, 'lib');
  await writeTestVideo(join(lib, 'a.mp4'), 4, { seed: 1 });
  const ckpt = await writeTinyCheckpoint(join(dir, 'tiny.safetensors'), TINY_CONFIG);
  const child = spawn(process.execPath, [resolve('bin/t2vlp.js'), 'serve', '--library', lib, '--checkpoint', ckpt, '--port', '0', '--queue-limit', '1', '--quiet', '--threads', '1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const url = await new Promise<string>((res, rej) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        const m = /t2vlp serve: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (m) res(m[1]!);
      });
      child.on('exit', (code) => rej(new Error(`serve exited with ${code} before listening: ${out}`)));
    });
    for (let i = 0; i < 100 && !(JSON.parse((await get(`${url}/api/status`)).body) as { done: boolean }).done; i++) await new Promise((r) => setTimeout(r, 100));

    await Promise.all(Array.from({ length: 30 }, () => get(`${url}/api/status`))); // open 30 connections
    child.kill('SIGSTOP');
    const burst = Array.from({ length: 30 }, (_, i) => get(`${url}/api/search?q=a+green+triangle+${i}&k=1`));
    await new Promise((r) => setTimeout(r, 500)); // the requests reach the paused server's socket
    child.kill('SIGCONT');
    const rs = await Promise.all(burst);
    const refused = rs.filter((r) => r.status === 503);
    const ok = rs.filter((r) => r.status === 200);
    assert.equal(ok.length + refused.length, rs.length, `statuses: ${rs.map((r) => r.status).join(',')}`);
    assert.ok(ok.length >= 1 && refused.length >= 1, `${ok.length} served, ${refused.length} refused`);
    for (const r of refused) {
      assert.equal(r.retryAfter, '1');
      assert.match(r.body, /"code":"BUSY"/);
    }
    const after = await get(`${url}/api/search?q=a+green+triangle&k=1`);
    assert.equal(after.status, 200, 'serves again once the burst is gone');
    agent.destroy();
    child.kill('SIGTERM');
    assert.equal(await exited, 0, 'graceful shutdown exits 0');
  } finally {
    agent.destroy();
    child.kill('SIGKILL');
  }
});
