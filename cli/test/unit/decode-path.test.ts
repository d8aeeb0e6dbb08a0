// The path a request asks for, as the local server routes on it (`/ws`, `/api/info`, the web UI's files).
import { describe, expect, it } from 'vitest';
import { decodePath } from '../../src/transport/web-ui.js';

describe('decodePath', () => {
  it('gives the WebSocket path and other paths as they are routed', () => {
    expect(decodePath('/ws')).toBe('/ws');
    expect(decodePath('/ws?x=1')).toBe('/ws');
    expect(decodePath('/%77s')).toBe('/ws');
    expect(decodePath('/api/info')).toBe('/api/info');
    expect(decodePath('/a/../ws')).toBe('/ws');
    expect(decodePath(undefined)).toBe('/');
  });

  it('refuses what cannot be decoded', () => {
    expect(decodePath('/%E0%A4%A')).toBeUndefined();
  });
});
