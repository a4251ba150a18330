// The search page: talks to the JSON API of `t2vlp serve` (see src/serve/app.ts). No build step.
const $ = (id) => document.getElementById(id);
const results = $('results');
const video = $('video');
let current = null; // the hit playing

const fmt = (s) => {
  const m = Math.floor(s / 60);
  const r = (s - 60 * m).toFixed(1).padStart(4, '0');
  return `${m}:${r}`;
};
const videoUrl = (path) => '/api/videos/' + path.split('/').map(encodeURIComponent).join('/');

async function api(url) {
  const res = await fetch(url);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const retry = res.headers.get('Retry-After');
    throw new Error((body.error && body.error.message) || `HTTP ${res.status}` + (retry ? ` (retry in ${retry} s)` : ''));
  }
  return body;
}

function show(hits, what) {
  results.replaceChildren();
  $('message').textContent = hits.length ? `${hits.length} ${what}` : 'no results (is the library indexed yet?)';
  hits.forEach((h, i) => {
    const li = document.createElement('li');
    li.className = 'hit';
    li.tabIndex = 0;
    li.dataset.video = h.video;
    li.dataset.time = String(h.time);
    const img = document.createElement('img');
    img.src = h.thumbnail;
    img.alt = `${h.video} at ${fmt(h.time)}`;
    img.loading = 'lazy';
    const meta = document.createElement('div');
    meta.className = 'meta';
    const name = document.createElement('div');
    name.className = 'name';
    name.textContent = `${i + 1}. ${h.video}`;
    const when = document.createElement('div');
    when.className = 'when';
    when.textContent = `at ${fmt(h.time)} (${fmt(h.start)}–${fmt(h.end)}) · score ${h.score.toFixed(2)}`;
    const more = document.createElement('button');
    more.type = 'button';
    more.className = 'more';
    more.textContent = 'more like this';
    more.addEventListener('click', (e) => {
      e.stopPropagation();
      similar(h.video, h.time);
    });
    meta.append(name, when, more);
    li.append(img, meta);
    const play = () => playHit(h);
    li.addEventListener('click', play);
    li.addEventListener('keydown', (e) => e.key === 'Enter' && play());
    results.append(li);
  });
}

function playHit(h) {
  current = h;
  $('player').hidden = false;
  $('now-playing').textContent = `${h.video} from ${fmt(h.time)}`;
  const src = videoUrl(h.video);
  const start = () => {
    video.currentTime = h.time;
    video.play().catch(() => {});
  };
  if (video.dataset.src !== src) {
    video.dataset.src = src;
    video.src = src;
    video.addEventListener('loadedmetadata', start, { once: true });
  } else start();
  window.scrollTo({ top: 0, behavior: 'smooth' });
}

async function search(q) {
  $('message').textContent = 'searching…';
  try {
    const r = await api(`/api/search?q=${encodeURIComponent(q)}&k=12`);
    show(r.hits, `moments for “${q}”`);
    history.replaceState(null, '', `?q=${encodeURIComponent(q)}`);
  } catch (e) {
    $('message').textContent = `search failed: ${e.message}`;
  }
}

async function similar(path, t) {
  $('message').textContent = 'finding similar moments…';
  try {
    const r = await api(`/api/similar?video=${encodeURIComponent(path)}&t=${t}&k=12`);
    show(r.hits, `moments like ${path} at ${fmt(t)}`);
  } catch (e) {
    $('message').textContent = `failed: ${e.message}`;
  }
}

async function status() {
  try {
    const s = await api('/api/status');
    const p = s.progress;
    let text = `${s.videos} videos, ${s.windows} moments indexed`;
    if (!s.done && p) text += ` · indexing ${p.indexed}/${p.toIndex}` + (p.current ? ` (${p.current})` : '');
    if (s.failed.length) text += ` · ${s.failed.length} failed`;
    $('status').textContent = text;
    $('status').dataset.done = String(s.done);
    $('caption').hidden = !s.capabilities.caption;
    $('ask').hidden = !s.capabilities.qa;
    $('failures').hidden = !s.failed.length;
    $('failed-list').replaceChildren(
      ...s.failed.map((f) => {
        const li = document.createElement('li');
        li.textContent = `${f.video}: ${f.reason}`;
        return li;
      }),
    );
    setTimeout(status, s.done ? 10000 : 1000);
  } catch (e) {
    $('status').textContent = `status unavailable: ${e.message}`;
    setTimeout(status, 5000);
  }
}

$('search').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = $('q').value.trim();
  if (q) search(q);
});
$('more').addEventListener('click', () => current && similar(current.video, video.currentTime || current.time));

const initial = new URLSearchParams(location.search).get('q');
if (initial) {
  $('q').value = initial;
  search(initial);
}
status();
