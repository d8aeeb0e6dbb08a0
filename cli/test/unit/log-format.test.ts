import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../src/log.js';

describe('log lines', () => {
  const date = new Date('2025-03-03T12:00:01.234Z');

  it('have one format: time, level, tag, message', () => {
    expect(formatLogLine({ date, type: 'info', tag: 'paseo:session', args: ['Session ab (shell) started.'] })).toBe(
      '2025-03-03T12:00:01.234Z INFO  [paseo:session] Session ab (shell) started.\n',
    );
    expect(formatLogLine({ date, type: 'warn', tag: 'paseo', args: ['refused', { from: '127.0.0.1' }] })).toBe(
      "2025-03-03T12:00:01.234Z WARN  [paseo] refused { from: '127.0.0.1' }\n",
    );
    expect(formatLogLine({ date, type: 'debug', tag: '', args: ['x'] })).toBe('2025-03-03T12:00:01.234Z DEBUG x\n');
  });

  it('keep an error stack on the lines that follow, without colour codes', () => {
    const line = formatLogLine({ date, type: 'error', tag: 'paseo', args: ['handling x failed', new Error('boom')] });
    expect(line).toMatch(/^2025-03-03T12:00:01\.234Z ERROR \[paseo\] handling x failed Error: boom\n\s+at /);
    expect(line).not.toContain('\x1b[');
  });
});
