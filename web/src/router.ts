// Hash routes for a paired device: `#/` home, `#/devices`, `#/s/<sessionId>`. Pure: no DOM.
import type { Route } from './model.js';

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (path === '/devices') return { name: 'devices' };
  const m = /^\/s\/([^/?#]{1,64})$/.exec(path);
  if (m?.[1]) {
    try {
      return { name: 'session', sessionId: decodeURIComponent(m[1]) };
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
  }
}

/** Identifies a route, to tell whether the screen needs to change. */
export function routeKey(route: Route): string {
  return routeHash(route);
}
