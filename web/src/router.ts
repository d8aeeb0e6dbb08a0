// Hash routes for a paired device: `#/` home, `#/devices`, `#/s/<sessionId>`, `#/h/<sessionId>` (a past
// session, read-only). Pure: no DOM.
import type { Route } from './model.js';

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (path === '/devices') return { name: 'devices' };
  const m = /^\/(s|h)\/([^/?#]{1,64})$/.exec(path);
  if (m?.[2]) {
    try {
      return { name: m[1] === 'h' ? 'history' : 'session', sessionId: decodeURIComponent(m[2]) };
    } catch {
      return { name: 'home' };
    }
  }
  return { name: 'home' };
}

export function routeHash(route: Route): string {
  switch (route.name) {
    case 'home':
      return '#/';
    case 'devices':
      return '#/devices';
    case 'session':
      return `#/s/${encodeURIComponent(route.sessionId)}`;
    case 'history':
      return `#/h/${encodeURIComponent(route.sessionId)}`;
  }
}

/** Identifies a route, to tell whether the screen needs to change. */
export function routeKey(route: Route): string {
  return routeHash(route);
}
