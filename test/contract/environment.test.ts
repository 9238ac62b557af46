import {
  envBoolean,
  envChoice,
  envInteger,
  envList,
  envUrl,
  parseEnvironment,
} from '@preview-lambda/contract';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const schema = z.object({
  PORT: envInteger(0, 65_535).default(8080),
  DEBUG: envBoolean().default(false),
  MODE: envChoice(['fast', 'safe']).default('safe'),
  HOSTS: envList(z.string().min(3, 'Expected host names'), 'comma-separated host names').optional(),
  ENDPOINT: envUrl().optional(),
  NAME: z.string(),
});

describe('Function: parseEnvironment', () => {
  it('reads only the schema’s variables, trimmed, with defaults', () => {
    const result = parseEnvironment(schema, { NAME: ' preview ', OTHER: 'ignored' });
    expect(result).toEqual({ ok: true, data: { PORT: 8080, DEBUG: false, MODE: 'safe', NAME: 'preview' } });
  });

  it('treats empty and blank values as unset', () => {
    const result = parseEnvironment(schema, { NAME: 'x', PORT: '', DEBUG: '  ', HOSTS: '' });
    expect(result).toEqual({ ok: true, data: { PORT: 8080, DEBUG: false, MODE: 'safe', NAME: 'x' } });
  });

  it('coerces integers, flags, choices, lists and URLs', () => {
    const result = parseEnvironment(schema, {
      NAME: 'x',
      PORT: '0',
      DEBUG: 'Yes',
      MODE: 'FAST',
      HOSTS: 'alpha, beta,,',
      ENDPOINT: 'http://127.0.0.1:3001',
    });
    expect(result).toEqual({
      ok: true,
      data: { NAME: 'x', PORT: 0, DEBUG: true, MODE: 'fast', HOSTS: ['alpha', 'beta'], ENDPOINT: 'http://127.0.0.1:3001' },
    });
  });

  it('names every bad variable at once, with its raw value', () => {
    const result = parseEnvironment(schema, {
      PORT: '99999',
      DEBUG: 'maybe',
      MODE: 'turbo',
      HOSTS: 'ab,cde',
      ENDPOINT: 'localhost:3001',
    });
    expect(result).toEqual({
      ok: false,
      issues: [
        'PORT: Expected an integer from 0 to 65535 (received "99999")',
        'DEBUG: Expected true or false (received "maybe")',
        'MODE: Expected one of fast, safe (received "turbo")',
        'HOSTS: Expected host names (received "ab,cde")',
        'ENDPOINT: Expected an http(s) URL (received "localhost:3001")',
        'NAME: Invalid input: expected string, received undefined (not set)',
      ],
    });
  });
});
