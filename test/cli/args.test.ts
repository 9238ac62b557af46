/** The previews tool's command line and target resolution: clear errors, the stack file, AWS settings. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '@preview-lambda/cli/args';
import { resolveTarget } from '@preview-lambda/cli/config';
import { afterAll, describe, expect, it } from 'vitest';

const directories: string[] = [];
afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

describe('Function: parseCommandLine', () => {
  it('reads a full command line with its defaults', () => {
    expect(parseCommandLine(['backfill', '--bucket', 'b', '--presets', 'small, large', '--local'])).toMatchObject({
      command: 'backfill',
      bucket: 'b',
      presets: ['small', 'large'],
      stack: '.local/stack.json',
      concurrency: 8,
      retries: 3,
      count: true,
      progressIntervalMs: 10_000,
    });
  });

  it.each([
    [[], 'missing the command (backfill, purge, verify)'],
    [['resize'], 'unknown command "resize" (backfill, purge, verify)'],
    [['backfill', '--bukcet', 'b'], "Unknown option '--bukcet'"],
    [['backfill', '--concurrency', '0'], '--concurrency: expected an integer from 1 to 256 but received "0"'],
    [['backfill', '--fix'], '--fix is a flag of verify'],
    [['purge'], 'purge needs --prefix (e.g. --prefix photo/ for every original)'],
    [['verify', '--local', '--stack', 'x.json'], 'give --stack or --local, not both'],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});

describe('Function: resolveTarget', () => {
  it('takes AWS targets from flags and the function’s layout variables', () => {
    const target = resolveTarget({ bucket: 'photos', functionName: 'fn' }, { PRESETS: 'small=320', SOURCE_PREFIX: 'images', PREVIEW_ROOT: 'p' });
    expect(target).toMatchObject({ bucket: 'photos', destinationBucket: 'photos', functionName: 'fn', s3: {}, lambda: {}, describedBy: 'AWS' });
    expect([target.layout.sourcePrefix, target.layout.previewRoot, [...target.layout.presets.keys()]]).toEqual(['images', 'p', ['small']]);
  });

  it('names everything missing, and a layout that overlaps', () => {
    expect(() => resolveTarget({}, {})).toThrow(
      'Missing --bucket (or SOURCE_BUCKET), --function (or PREVIEW_FUNCTION_NAME), PRESETS or PRESETS_FILE',
    );
    expect(() => resolveTarget({ bucket: 'photos', functionName: 'fn' }, { PRESETS: 'small=320', PREVIEW_ROOT: 'photo' })).toThrow(
      'the preview root "photo" is the originals prefix "photo"',
    );
  });

  it('reads the npm start stack file, and says so when it cannot', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'previews-args-'));
    directories.push(directory);
    const file = join(directory, 'stack.json');
    await writeFile(
      file,
      JSON.stringify({
        endpoints: { lambda: 'http://127.0.0.1:3001', s3: 'http://127.0.0.1:4568' },
        bucket: 'preview-lambda-demo',
        functionName: 'PreviewFunction',
        previewRoot: 'prew',
        sourcePrefix: 'photo',
        presets: { small: 320, large: 1440 },
        presetList: 'small=320;webp,large=1440',
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'us-east-1' },
      }),
    );
    const target = resolveTarget({ stack: file }, {});
    expect(target).toMatchObject({
      bucket: 'preview-lambda-demo',
      functionName: 'PreviewFunction',
      s3: { endpoint: 'http://127.0.0.1:4568', forcePathStyle: true, region: 'us-east-1' },
      lambda: { endpoint: 'http://127.0.0.1:3001' },
    });
    expect(target.layout.presets).toEqual(new Map([['small', { width: 320, formats: ['webp'] }], ['large', { width: 1440, formats: [] }]]));
    expect(() => resolveTarget({ stack: join(directory, 'none.json') }, {})).toThrow(/Cannot use the stack file .*none\.json \(is `npm start` running\?\)/);

    const broken = join(directory, 'broken.json');
    await writeFile(broken, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), bucket: '', endpoints: { lambda: 'nope', s3: 'http://127.0.0.1:4568' } }));
    expect(() => resolveTarget({ stack: broken }, {})).toThrow(
      `Cannot use the stack file ${broken} (is \`npm start\` running?): ` +
        'Expected a URL for endpoints.lambda but received "nope" (string); Expected a non-empty string for bucket but received "" (string)',
    );
  });
});
