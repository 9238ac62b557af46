import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidParameterValueException } from '../../local/lambda/api-errors.js';
import { parseFunctionReference } from '../../local/lambda/function-name.js';
import { parameterDefault, readFunctionSettings } from '../../local/lambda/template-defaults.js';

const TEMPLATE = fileURLToPath(new URL('../../template.yaml', import.meta.url));

describe('Function: readFunctionSettings', () => {
  it('reads the Timeout and MemorySize defaults from template.yaml', async () => {
    const settings = await readFunctionSettings(TEMPLATE);

    expect(settings.timeoutSeconds).toMatchObject({ value: 30, source: 'template' });
    expect(settings.memoryMb).toMatchObject({ value: 1536, source: 'template' });
  });

  it('falls back, and says so, when the template is missing', async () => {
    const settings = await readFunctionSettings('/nonexistent/template.yaml', { fallbackTimeoutSeconds: 12 });

    expect(settings.timeoutSeconds).toMatchObject({ value: 12, source: 'fallback' });
    expect(settings.timeoutSeconds.description).toMatch(/^fallback: /);
    expect(settings.memoryMb).toMatchObject({ value: 1536, source: 'fallback' });
  });
});

describe('Function: parameterDefault', () => {
  const template = [
    'Parameters:',
    '  Other:',
    '    Type: Number',
    '    Default: 7',
    '',
    '  # a comment',
    '  Timeout:',
    '    Type: Number',
    "    Default: '45' # seconds",
    'Resources:',
    '  Timeout:',
    '    Default: 99',
  ].join('\n');

  it('answers the Default of the named parameter only', () => {
    expect(parameterDefault(template, 'Timeout')).toBe(45);
    expect(parameterDefault(template, 'Other')).toBe(7);
  });

  it('answers undefined when the parameter or its Default is absent', () => {
    expect(parameterDefault(template, 'MemorySize')).toBeUndefined();
    expect(parameterDefault('Parameters:\n  Timeout:\n    Type: Number\n', 'Timeout')).toBeUndefined();
    expect(parameterDefault('Resources: {}\n', 'Timeout')).toBeUndefined();
  });
});

describe('Function: parseFunctionReference', () => {
  it.each([
    ['PreviewFunction', { name: 'PreviewFunction' }],
    ['PreviewFunction:live', { name: 'PreviewFunction', qualifier: 'live' }],
    ['PreviewFunction:$LATEST', { name: 'PreviewFunction', qualifier: '$LATEST' }],
    ['123456789012:function:PreviewFunction', { name: 'PreviewFunction' }],
    ['arn:aws:lambda:eu-west-1:123456789012:function:PreviewFunction', { name: 'PreviewFunction' }],
    ['arn:aws-cn:lambda:cn-north-1:123456789012:function:PreviewFunction:3', { name: 'PreviewFunction', qualifier: '3' }],
  ])('parses %s', (raw, expected) => {
    expect(parseFunctionReference(raw)).toEqual(expected);
  });

  it.each(['', 'a:b:c', 'bad name', 'PreviewFunction:', 'arn:aws:lambda:us-east-1:1:function:X'])(
    'throws InvalidParameterValueException for %j',
    (raw) => {
      expect(() => parseFunctionReference(raw)).toThrow(InvalidParameterValueException);
    },
  );
});
