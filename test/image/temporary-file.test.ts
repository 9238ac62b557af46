import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withTemporaryFile } from '@preview-lambda/handler/image/temporary-file';

describe('Function: withTemporaryFile', () => {
  it('hands over a private file holding the bytes and removes it afterwards', async () => {
    // Prepare
    let seen = '';

    // Act
    const result = await withTemporaryFile(Buffer.from('hello'), async (path) => {
      seen = path;
      expect(readFileSync(path, 'utf8')).toBe('hello');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      return 42;
    });

    // Assess
    expect(result).toBe(42);
    expect(seen).toMatch(/resize-source-[0-9a-f-]{36}\.jpg$/);
    expect(existsSync(seen)).toBe(false);
  });

  it('removes the file when the work fails, and rethrows', async () => {
    // Prepare
    let seen = '';

    // Act
    const failure = withTemporaryFile(Buffer.from('x'), async (path) => {
      seen = path;
      throw new Error('decoder failed');
    });

    // Assess
    await expect(failure).rejects.toThrow('decoder failed');
    expect(existsSync(seen)).toBe(false);
  });
});
