import { describe, expect, it } from 'vitest';
import { accessLogLevel } from '../../../src/common/logging/access-log.service';

describe('accessLogLevel', () => {
  it.each([
    [200, 'info'],
    [204, 'info'],
    [304, 'info'],
    [399, 'info'],
    [400, 'warn'],
    [401, 'warn'],
    [404, 'warn'],
    [429, 'warn'],
    [499, 'warn'],
    [500, 'error'],
    [503, 'error'],
  ] as const)('status %i is logged at %s', (status, level) => {
    expect(accessLogLevel(status)).toBe(level);
  });
});
