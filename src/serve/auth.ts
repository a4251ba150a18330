/**
 * Who may use the service. On loopback (the default) anyone on this machine may; binding any
 * other address requires a token (the server refuses to start without one), given as
 * `Authorization: Bearer TOKEN`, as `?token=TOKEN` (which also sets an HttpOnly cookie, so the
 * page's <video> and <img> requests carry it), or as that cookie.
 */
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { ServeError } from './errors.js';

export const TOKEN_COOKIE = 't2vlp_token';

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

/** Throws UNSAFE_BIND for a non-loopback address without a token. */
export function checkBind(host: string, token: string | undefined): void {
  if (!isLoopback(host) && !token)
    throw new ServeError(
      'UNSAFE_BIND',
      `refusing to listen on '${host}' without a token: anyone who can reach it could read the library. Pass --token SECRET (clients send 'Authorization: Bearer SECRET' or open /?token=SECRET), or bind 127.0.0.1`,
    );
  if (token !== undefined && token.length < 8)
    throw new ServeError('UNSAFE_BIND', `--token must be at least 8 characters; got ${token.length}`);
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** The token a request presents and how, or undefined. */
export function presentedToken(req: { authorization?: string; queryToken?: string; cookie?: string }): { token: string; via: 'header' | 'query' | 'cookie' } | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(req.authorization ?? '');
  if (m) return { token: m[1]!.trim(), via: 'header' };
  if (req.queryToken) return { token: req.queryToken, via: 'query' };
  const c = cookieValue(req.cookie, TOKEN_COOKIE);
  return c ? { token: c, via: 'cookie' } : undefined;
}

export function tokenMatches(expected: string, presented: string | undefined): boolean {
  return presented !== undefined && same(expected, presented);
}
