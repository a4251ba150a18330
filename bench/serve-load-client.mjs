// Load generator for bench/serve.bench.ts, run as its own process so that the clients' work
// does not share the server's event loop: `node serve-load-client.mjs URL CLIENTS SECONDS`.
// Each client sends text queries one after another on a kept-alive connection for SECONDS
// (at least 3 and at most 2000 queries); prints { latenciesMs, wallSec, resets } as JSON.
import { Agent, request } from 'node:http';

const [url, clientsArg, secondsArg] = process.argv.slice(2);
const clients = Number(clientsArg);
const seconds = Number(secondsArg);
const agent = new Agent({ keepAlive: true, maxSockets: clients });
const WORDS = ['a dog', 'a cat', 'a red car', 'two people', 'a child', 'a bird', 'a ball', 'the crowd'];
const ACTIONS = ['jumps into the pool', 'runs across the street', 'opens a door', 'falls down', 'turns left', 'waves', 'shakes itself', 'sits down'];

let resets = 0;
const once = (u) =>
  new Promise((res, rej) => {
    const r = request(u, { agent }, (resp) => {
      resp.resume();
      resp.on('end', () => (resp.statusCode === 200 ? res() : rej(new Error(`HTTP ${resp.statusCode} for ${u}`))));
    });
    r.on('error', rej);
    r.end();
  });
// A connection the server closed as idle just as a request went out: resent once, counted.
const get = (u) =>
  once(u).catch((e) => {
    if (e.code !== 'ECONNRESET') throw e;
    resets++;
    return once(u);
  });

await Promise.all(Array.from({ length: clients }, (_, i) => get(`${url}/api/search?q=warm+up+${i}&k=10`)));
let counter = 0;
const latenciesMs = [];
const t0 = performance.now();
const until = t0 + seconds * 1000;
await Promise.all(
  Array.from({ length: clients }, async () => {
    for (let mine = 0; mine < 2000 && (mine < 3 || performance.now() < until); mine++) {
      const i = counter++;
      const q = `${WORDS[i % WORDS.length]} ${ACTIONS[(i >> 3) % ACTIONS.length]} number ${i}`;
      const t = performance.now();
      await get(`${url}/api/search?q=${encodeURIComponent(q)}&k=10`);
      latenciesMs.push(performance.now() - t);
    }
  }),
);
agent.destroy();
console.log(JSON.stringify({ latenciesMs, wallSec: (performance.now() - t0) / 1000, resets }));
