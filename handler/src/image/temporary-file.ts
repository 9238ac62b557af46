/**
 * A temporary copy of a source on disk, for the one libvips option sharp cannot pass with a buffer.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs `use` with the path of a new file in the OS temporary directory (`/tmp` on Lambda), named
 * `resize-source-<uuid>.jpg`, mode 600, holding `bytes`; the file is removed when `use` settles, whether
 * it resolves or rejects.
 *
 * @throws whatever writing the file or `use` throws.
 */
export async function withTemporaryFile<T>(bytes: Uint8Array, use: (path: string) => Promise<T>): Promise<T> {
  const path = join(tmpdir(), `resize-source-${randomUUID()}.jpg`);
  await writeFile(path, bytes, { mode: 0o600 });
  try {
    return await use(path);
  } finally {
    await rm(path, { force: true });
  }
}
