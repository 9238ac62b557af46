import { describe, expect, it } from 'vitest';
import { isPresetName, MAX_PRESET_WIDTH, parsePresetList, parsePresetObject } from '@preview-lambda/contract';

describe('Function: parsePresetList', () => {
  it('parses name=width pairs in order', () => {
    const result = parsePresetList('small=320,medium=720,large=1440');
    expect(result).toEqual({
      ok: true,
      presets: new Map([
        ['small', { width: 320 }],
        ['medium', { width: 720 }],
        ['large', { width: 1440 }],
      ]),
    });
  });

  it('ignores whitespace and a trailing comma', () => {
    expect(parsePresetList(' a_1 = 10 ,\tb-2=20 ,')).toEqual({
      ok: true,
      presets: new Map([
        ['a_1', { width: 10 }],
        ['b-2', { width: 20 }],
      ]),
    });
  });

  it('accepts the largest width', () => {
    expect(parsePresetList(`huge=${MAX_PRESET_WIDTH}`).ok).toBe(true);
  });

  it.each([
    ['a non-numeric width', 'small=abc'],
    ['a zero width', 'small=0'],
    ['a negative width', 'small=-320'],
    ['a fractional width', 'small=320.5'],
    ['an exponent', 'small=1e3'],
    ['a width above the maximum', `small=${MAX_PRESET_WIDTH + 1}`],
    ['an uppercase name', 'Small=320'],
    ['a name with a dot', 'sm.all=320'],
    ['a name with a slash', 'a/b=320'],
    ['a missing name', '=320'],
    ['a missing width', 'small='],
    ['no equals sign', 'small'],
    ['nothing', ''],
    ['only commas', ' , ,'],
  ])('rejects %s', (_what, text) => {
    const result = parsePresetList(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toMatch(/^Expected name=width pairs separated by commas, e\.g\. "small=320,medium=720" /);
      expect(result.message).toContain(`but received ${JSON.stringify(text)}`);
    }
  });

  it('names the bad pairs when there are several', () => {
    const result = parsePresetList('small=320,medium=abc,Large=1440');
    expect(result).toEqual({
      ok: false,
      message:
        'Expected name=width pairs separated by commas, e.g. "small=320,medium=720" (names of a-z, 0-9, _ or -; widths integers from 1 to 16383) but received "small=320,medium=abc,Large=1440" (bad: "medium=abc", "Large=1440")',
    });
  });

  it('rejects a name given twice', () => {
    expect(parsePresetList('small=320,small=640')).toEqual({
      ok: false,
      message: 'Expected each preset name once but received "small" more than once in "small=320,small=640"',
    });
  });
});

describe('Function: parsePresetObject', () => {
  it('parses an object of name to width', () => {
    expect(parsePresetObject({ small: 320, large: 1440 })).toEqual({
      ok: true,
      presets: new Map([
        ['small', { width: 320 }],
        ['large', { width: 1440 }],
      ]),
    });
  });

  it.each([
    ['null', null],
    ['an array', [320]],
    ['a number', 320],
    ['a string', 'small=320'],
  ])('rejects %s', (_what, value) => {
    const result = parsePresetObject(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/^Expected a JSON object of preset name to width, e\.g\. \{"small": 320\}/);
  });

  it('rejects an empty object', () => {
    const result = parsePresetObject({});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/but received an empty object$/);
  });

  it('names every bad entry', () => {
    const result = parsePresetObject({ ok: 1, Bad: 2, zero: 0, text: '320', half: 0.5 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/\(bad: "Bad", "zero", "text", "half"\)$/);
  });

  it('does not let __proto__ reach a prototype', () => {
    const result = parsePresetObject(JSON.parse('{"__proto__": 320}'));
    expect(result).toEqual({ ok: true, presets: new Map([['__proto__', { width: 320 }]]) });
    expect(({} as Record<string, unknown>).__proto__).toBe(Object.prototype);
  });
});

describe('Function: isPresetName', () => {
  it.each(['small', 'x2', 'a_b-c', '0'])('accepts %j', (name) => expect(isPresetName(name)).toBe(true));
  it.each(['', 'Small', 'a b', 'a.b', 'é', 'a/b'])('rejects %j', (name) => expect(isPresetName(name)).toBe(false));
});
