import { describe, expect, it } from 'vitest';
import {
  formatPresetList,
  isPresetName,
  MAX_PRESET_WIDTH,
  parsePresetList,
  parsePresetObject,
} from '@preview-lambda/contract';

describe('Function: parsePresetList', () => {
  it('parses name=width pairs in order', () => {
    const result = parsePresetList('small=320,medium=720,large=1440');
    expect(result).toEqual({
      ok: true,
      presets: new Map([
        ['small', { width: 320, formats: [] }],
        ['medium', { width: 720, formats: [] }],
        ['large', { width: 1440, formats: [] }],
      ]),
    });
  });

  it('ignores whitespace and a trailing comma', () => {
    expect(parsePresetList(' a_1 = 10 ,\tb-2=20 ,')).toEqual({
      ok: true,
      presets: new Map([
        ['a_1', { width: 10, formats: [] }],
        ['b-2', { width: 20, formats: [] }],
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
      expect(result.message).toMatch(
        /^Expected name=width pairs separated by commas, each optionally followed by ";format" for every output format it offers, e\.g\. "small=320;avif;webp,medium=720" /,
      );
      expect(result.message).toContain(`but received ${JSON.stringify(text)}`);
    }
  });

  it('names the bad pairs when there are several', () => {
    const result = parsePresetList('small=320,medium=abc,Large=1440');
    expect(result).toEqual({
      ok: false,
      message:
        'Expected name=width pairs separated by commas, each optionally followed by ";format" for every output format it offers, e.g. "small=320;avif;webp,medium=720" (names of a-z, 0-9, _ or -; widths integers from 1 to 16383; formats avif, webp, each once) but received "small=320,medium=abc,Large=1440" (bad: "medium=abc", "Large=1440")',
    });
  });

  it('reads the formats each preset offers, in the order given', () => {
    expect(parsePresetList('small=320;avif;webp, medium = 720 ; webp ,large=1440')).toEqual({
      ok: true,
      presets: new Map([
        ['small', { width: 320, formats: ['avif', 'webp'] }],
        ['medium', { width: 720, formats: ['webp'] }],
        ['large', { width: 1440, formats: [] }],
      ]),
    });
  });

  it.each([
    ['an unknown format', 'small=320;gif', '"small=320;gif"'],
    ['a format in upper case', 'small=320;AVIF', '"small=320;AVIF"'],
    ['a format twice', 'small=320;avif;avif,large=1440', '"small=320;avif;avif"'],
    ['an empty format', 'small=320;', '"small=320;"'],
    ['a format without a preset', 'small=320,avif', '"avif"'],
    ['formats joined by commas', 'small=320;avif,webp', '"webp"'],
  ])('rejects %s, naming the entry', (_what, text, bad) => {
    const result = parsePresetList(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain(`but received ${JSON.stringify(text)}`);
      if (text.includes(',')) expect(result.message).toContain(`(bad: ${bad})`);
    }
  });

  it('writes a catalogue back that reads the same (formatPresetList)', () => {
    const text = 'small=320;avif;webp,medium=720,large=1440;webp';
    const parsed = parsePresetList(text);
    expect(parsed.ok && formatPresetList(parsed.presets)).toBe(text);
    expect(formatPresetList(new Map([['a', { width: 1, formats: [] }]]))).toBe('a=1');
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
        ['small', { width: 320, formats: [] }],
        ['large', { width: 1440, formats: [] }],
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
    if (!result.ok) {
      expect(result.message).toMatch(
        /^Expected a JSON object of preset name to width or to \{"width", "formats"\}, e\.g\. \{"small": \{"width": 320, "formats": \["avif", "webp"\]\}, "large": 1440\}/,
      );
    }
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

  it('parses entries with formats', () => {
    expect(parsePresetObject({ small: { width: 320, formats: ['webp', 'avif'] }, medium: { width: 720 }, large: 1440 })).toEqual({
      ok: true,
      presets: new Map([
        ['small', { width: 320, formats: ['webp', 'avif'] }],
        ['medium', { width: 720, formats: [] }],
        ['large', { width: 1440, formats: [] }],
      ]),
    });
  });

  it('names every bad entry with formats: unknown, repeated, not a list, a misspelt property, no width', () => {
    const result = parsePresetObject({
      ok: { width: 1, formats: ['avif'] },
      gif: { width: 1, formats: ['gif'] },
      twice: { width: 1, formats: ['webp', 'webp'] },
      text: { width: 1, formats: 'avif' },
      typo: { width: 1, format: ['avif'] },
      nowidth: { formats: ['avif'] },
      nulled: null,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/\(bad: "gif", "twice", "text", "typo", "nowidth", "nulled"\)$/);
  });

  it('does not let __proto__ reach a prototype', () => {
    const result = parsePresetObject(JSON.parse('{"__proto__": 320}'));
    expect(result).toEqual({ ok: true, presets: new Map([['__proto__', { width: 320, formats: [] }]]) });
    expect(({} as Record<string, unknown>).__proto__).toBe(Object.prototype);
  });
});

describe('Function: isPresetName', () => {
  it.each(['small', 'x2', 'a_b-c', '0'])('accepts %j', (name) => expect(isPresetName(name)).toBe(true));
  it.each(['', 'Small', 'a b', 'a.b', 'é', 'a/b'])('rejects %j', (name) => expect(isPresetName(name)).toBe(false));
});
