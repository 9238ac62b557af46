/**
 * The S3 adapter's translation of a 403 on an original or a preview. Real S3 answers a GetObject of a missing key with
 * 403 unless the caller may list that key; the emulators always answer 404, so this unit test scripts S3.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { AccessDeniedError, DependencyDeadlineError, SourceNotFoundError } from '@preview-lambda/handler/errors';
import { S3PreviewStorage } from '@preview-lambda/handler/storage';

const NO_DEADLINE = new AbortController().signal;

function denied(): S3ServiceException {
  return new S3ServiceException({
    name: 'AccessDenied',
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
    message: 'Access Denied',
  });
}

/** An S3 client whose GetObject and HeadObject are denied and whose ListObjectsV2 answers `list`. */
function scriptedS3(list: () => unknown): { client: S3Client; commands: string[] } {
  const commands: string[] = [];
  const client = {
    send: async (command: unknown) => {
      if (command instanceof GetObjectCommand) {
        commands.push('GetObject');
        throw denied();
      }
      if (command instanceof HeadObjectCommand) {
        commands.push('HeadObject');
        throw denied();
      }
      if (command instanceof ListObjectsV2Command) {
        commands.push(`ListObjectsV2 ${command.input.Prefix} ${command.input.MaxKeys}`);
        return list();
      }
      throw new Error('unexpected command');
    },
  } as unknown as S3Client;
  return { client, commands };
}

describe('Class: S3PreviewStorage', () => {
  it('reports SOURCE_NOT_FOUND when a denied original is not in a listing of its own key', async () => {
    const { client, commands } = scriptedS3(() => ({ Contents: [{ Key: 'photo/a.jpg.bak' }] }));
    const storage = new S3PreviewStorage({ client });

    await expect(storage.readOriginal('originals', 'photo/a.jpg', 1000, NO_DEADLINE)).rejects.toBeInstanceOf(SourceNotFoundError);
    expect(commands).toEqual(['GetObject', 'ListObjectsV2 photo/a.jpg 1']);
  });

  it('reports ACCESS_DENIED when the denied original exists', async () => {
    const { client } = scriptedS3(() => ({ Contents: [{ Key: 'photo/a.jpg' }] }));
    const storage = new S3PreviewStorage({ client });

    await expect(storage.readOriginal('originals', 'photo/a.jpg', 1000, NO_DEADLINE)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('reports ACCESS_DENIED when listing is denied as well', async () => {
    const { client } = scriptedS3(() => {
      throw denied();
    });
    const storage = new S3PreviewStorage({ client });

    await expect(storage.readOriginal('originals', 'photo/a.jpg', 1000, NO_DEADLINE)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('reads a denied preview that is not in a listing of its own key as missing', async () => {
    const { client, commands } = scriptedS3(() => ({ Contents: [] }));
    const storage = new S3PreviewStorage({ client });

    await expect(storage.headPreview('previews', 'prew/small/photo/a.jpg', NO_DEADLINE)).resolves.toBeUndefined();
    await expect(storage.readPreview('previews', 'prew/small/photo/a.jpg', NO_DEADLINE)).resolves.toBeUndefined();
    expect(commands).toEqual([
      'HeadObject',
      'ListObjectsV2 prew/small/photo/a.jpg 1',
      'GetObject',
      'ListObjectsV2 prew/small/photo/a.jpg 1',
    ]);
  });

  it('throws AccessDeniedError when a denied preview exists or listing is denied as well', async () => {
    const listed = new S3PreviewStorage({ client: scriptedS3(() => ({ Contents: [{ Key: 'prew/small/a.jpg' }] })).client });
    const unlistable = new S3PreviewStorage({
      client: scriptedS3(() => {
        throw denied();
      }).client,
    });

    for (const storage of [listed, unlistable]) {
      await expect(storage.headPreview('previews', 'prew/small/a.jpg', NO_DEADLINE)).rejects.toBeInstanceOf(AccessDeniedError);
      await expect(storage.readPreview('previews', 'prew/small/a.jpg', NO_DEADLINE)).rejects.toBeInstanceOf(AccessDeniedError);
    }
  });

  it('fails a call the client never answers at the invocation deadline, naming it', async () => {
    const seen: (AbortSignal | undefined)[] = [];
    const client = {
      send: (_command: unknown, options?: { abortSignal?: AbortSignal }) => {
        seen.push(options?.abortSignal);
        return new Promise(() => undefined);
      },
    } as unknown as S3Client;
    const storage = new S3PreviewStorage({ client });
    const started = performance.now();

    const error = await storage.readOriginal('originals', 'photo/a.jpg', 1000, AbortSignal.timeout(100)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DependencyDeadlineError);
    expect((error as Error).message).toBe("GetObject s3://originals/photo/a.jpg did not complete before the invocation's deadline");
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(seen[0]?.aborted).toBe(true);
  });
});
