import { describe, expect, it } from 'vitest';
import { functionSettings, readTemplate } from '@preview-lambda/local/template';

describe('Function: functionSettings', () => {
  it('reads the Timeout and MemorySize defaults from template.yaml, which the function refers to', () => {
    const template = readTemplate();
    const settings = functionSettings(template);

    expect(settings).toEqual({
      timeoutSeconds: Number(template.Parameters.Timeout!.Default),
      memoryMb: Number(template.Parameters.MemorySize!.Default),
    });
    expect(settings.timeoutSeconds).toBeGreaterThan(0);
    expect(template.Resources.PreviewFunction!.Properties).toMatchObject({
      Timeout: { Ref: 'Timeout' },
      MemorySize: { Ref: 'MemorySize' },
    });
  });
});
