/**
 * The template confines the function to its layout, and everything that configures presets agrees: the
 * template, the function, the proxy, `npm start` and `events/`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  checkRequestLayout,
  DEFAULT_INVOKE_TIMEOUT_MS,
  FUNCTION_TIMEOUT_SECONDS,
  parsePresetList,
  parseResizeRequestWithKey,
  previewLocations,
} from '@preview-lambda/contract';
import { describe, expect, it } from 'vitest';
import { parseHandlerConfig } from '@preview-lambda/handler/config';
import { classifyEvent } from '@preview-lambda/handler/events/detect';
import { DEFAULT_PRESETS, DEMO_LAYOUT } from '@preview-lambda/local/preview-function';
import { PROXY_DEFAULTS } from '@preview-lambda/proxy/config';
import { readTemplate, type TemplateStatement } from '@preview-lambda/local/template';

const template = readTemplate();
const statements = (
  template.Resources.PreviewFunctionRole!.Properties.Policies as { PolicyDocument: { Statement: TemplateStatement[] } }[]
).flatMap((policy) => policy.PolicyDocument.Statement);

/** The actions of a statement, with `!If [UsesAcl, s3:PutObjectAcl, !Ref AWS::NoValue]` counted as granted. */
function actions(statement: TemplateStatement): string[] {
  const list = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
  return list.flatMap((action: unknown) => {
    if (typeof action === 'string') return [action];
    const [, granted] = (action as { 'Fn::If': [string, string, unknown] })['Fn::If'];
    return [granted];
  });
}

function resources(statement: TemplateStatement): string[] {
  const list = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
  return list.map((resource: unknown) =>
    typeof resource === 'string' ? resource : String((resource as { 'Fn::Sub'?: unknown })['Fn::Sub'] ?? JSON.stringify(resource)),
  );
}

const s3Statements = statements.filter((statement) => actions(statement).some((action) => action.startsWith('s3:')));

describe('template.yaml: the function role is confined to the layout', () => {
  it('grants S3 actions in four statements only, all Allow', () => {
    expect(s3Statements.map((statement) => statement.Sid)).toEqual([
      'ReadOriginals',
      'TellMissingOriginalsApart',
      'TellMissingPreviewsApart',
      'ReadAndWritePreviews',
    ]);
    expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
  });

  it('reads originals only below the originals prefix', () => {
    for (const statement of s3Statements.filter((s) => actions(s).includes('s3:GetObject'))) {
      for (const resource of resources(statement)) {
        expect(resource).toMatch(
          /^arn:\$\{AWS::Partition\}:s3:::(\$\{SourceBucketName\}\/\$\{SourcePrefix\}|\$\{DestinationBucketName\}\/\$\{PreviewRoot\})\/\*$/,
        );
      }
    }
  });

  it('writes only below the preview root', () => {
    const writes = s3Statements.filter((statement) =>
      actions(statement).some((action) => /^s3:(Put|Delete|Restore|Replicate)/.test(action)),
    );
    expect(writes.length).toBeGreaterThan(0);
    for (const statement of writes) {
      expect(resources(statement)).toEqual(['arn:${AWS::Partition}:s3:::${DestinationBucketName}/${PreviewRoot}/*']);
    }
  });

  it('lists only below the originals prefix and below the preview root', () => {
    const listing = s3Statements.filter((statement) => actions(statement).includes('s3:ListBucket'));
    expect(listing.map((statement) => [resources(statement), statement.Condition])).toEqual([
      [['arn:${AWS::Partition}:s3:::${SourceBucketName}'], { StringLike: { 's3:prefix': { 'Fn::Sub': '${SourcePrefix}/*' } } }],
      [['arn:${AWS::Partition}:s3:::${DestinationBucketName}'], { StringLike: { 's3:prefix': { 'Fn::Sub': '${PreviewRoot}/*' } } }],
    ]);
    for (const statement of listing) expect(actions(statement)).toEqual(['s3:ListBucket']);
  });

  it('names no S3 resource but the originals prefix, the preview root and their buckets (listing)', () => {
    expect(new Set(s3Statements.flatMap(resources))).toEqual(
      new Set([
        'arn:${AWS::Partition}:s3:::${SourceBucketName}/${SourcePrefix}/*',
        'arn:${AWS::Partition}:s3:::${SourceBucketName}',
        'arn:${AWS::Partition}:s3:::${DestinationBucketName}',
        'arn:${AWS::Partition}:s3:::${DestinationBucketName}/${PreviewRoot}/*',
      ]),
    );
  });

  it('hands the layout to the function', () => {
    const variables = (template.Resources.PreviewFunction!.Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(variables).toMatchObject({
      SOURCE_PREFIX: { Ref: 'SourcePrefix' },
      PREVIEW_ROOT: { Ref: 'PreviewRoot' },
      PRESETS: { Ref: 'Presets' },
    });
  });
});

describe('Presets and layout: one grammar, the same defaults everywhere', () => {
  const defaults = {
    SourcePrefix: String(template.Parameters.SourcePrefix!.Default),
    PreviewRoot: String(template.Parameters.PreviewRoot!.Default),
    Presets: String(template.Parameters.Presets!.Default),
  };

  it('gives the template, the demo and the proxy the same prefix and root', () => {
    expect([defaults.SourcePrefix, defaults.PreviewRoot]).toEqual([DEMO_LAYOUT.sourcePrefix, DEMO_LAYOUT.previewRoot]);
    expect([PROXY_DEFAULTS.SOURCE_PREFIX, PROXY_DEFAULTS.PREVIEW_ROOT]).toEqual([
      DEMO_LAYOUT.sourcePrefix,
      DEMO_LAYOUT.previewRoot,
    ]);
  });

  it('gives the template and the demo the same presets, in the contract’s grammar', () => {
    expect(defaults.Presets).toBe(DEFAULT_PRESETS);
    expect(parsePresetList(defaults.Presets).ok).toBe(true);
  });

  it('accepts with the template’s pattern exactly what the contract’s grammar accepts', () => {
    const pattern = new RegExp(template.Parameters.Presets!.AllowedPattern!);
    for (const text of [
      'small=320',
      'small=320,medium=720,large=1440',
      ' a_1 = 10 , b-2=20 ,',
      'x=16383',
      'small=320;avif;webp,medium=720;webp,large=1440',
      ' small = 320 ; avif , large=1440;webp ;avif,',
    ]) {
      expect([text, pattern.test(text)]).toEqual([text, parsePresetList(text).ok]);
    }
    for (const text of [
      'small',
      'Small=320',
      'a/b=1',
      '=320',
      'small=',
      'small=1e3',
      '',
      'small=320;',
      'small=320;gif',
      'small=320;AVIF',
      'small=320;avif,webp',
      'small=320,avif',
    ]) {
      expect([text, pattern.test(text)]).toEqual([text, false]);
      expect([text, parsePresetList(text).ok]).toEqual([text, false]);
    }
  });

  it('configures a function that accepts every sample Go payload, except the invalid and the refused one', () => {
    const config = parseHandlerConfig({
      SOURCE_BUCKETS: 'preview-lambda-demo',
      DESTINATION_BUCKETS: 'preview-lambda-demo',
      IDEMPOTENCY_TABLE_NAME: 'preview-idempotency',
      SOURCE_PREFIX: defaults.SourcePrefix,
      PREVIEW_ROOT: defaults.PreviewRoot,
      PRESETS: defaults.Presets,
    });
    const directory = fileURLToPath(new URL('../../events/', import.meta.url));
    const events = readdirSync(directory).filter((name) => name.endsWith('.json'));
    expect(events.length).toBeGreaterThanOrEqual(5);
    for (const name of events) {
      const event: unknown = JSON.parse(readFileSync(`${directory}${name}`, 'utf8'));
      if (classifyEvent(event).kind !== 'preview') continue;
      if (name === 'invalid-payload.json') {
        expect(() => parseResizeRequestWithKey(event)).toThrow();
        continue;
      }
      const { request } = parseResizeRequestWithKey(event);
      const refusal = checkRequestLayout(request, config.layout);
      expect([name, refusal?.code]).toEqual([name, name === 'layout-refused.json' ? 'LAYOUT_NOT_ALLOWED' : undefined]);
    }
  });
});

describe('Sample S3, EventBridge and Batch Operations events', () => {
  const config = parseHandlerConfig({
    SOURCE_BUCKETS: 'preview-lambda-demo',
    DESTINATION_BUCKETS: 'preview-lambda-demo',
    IDEMPOTENCY_TABLE_NAME: 'preview-idempotency',
    SOURCE_PREFIX: String(template.Parameters.SourcePrefix!.Default),
    PREVIEW_ROOT: String(template.Parameters.PreviewRoot!.Default),
    PRESETS: String(template.Parameters.Presets!.Default),
  });
  const directory = fileURLToPath(new URL('../../events/', import.meta.url));
  const lifecycle = readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .map((name) => [name, classifyEvent(JSON.parse(readFileSync(`${directory}${name}`, 'utf8')))] as const)
    .filter(([, event]) => event.kind !== 'preview');

  it('cover every kind: S3 notification created/removed, EventBridge created/deleted, Batch 1.0 and 2.0', () => {
    const kinds = lifecycle.map(([, event]) =>
      event.kind === 'objects' ? `${event.source} ${event.objects[0]!.change}` : `batch ${event.kind === 'batch' ? event.invocation.invocationSchemaVersion : ''}`,
    );
    expect(kinds.sort()).toEqual([
      'batch 1.0',
      'batch 2.0',
      'eventbridge created',
      'eventbridge removed',
      's3-notification created',
      's3-notification removed',
    ]);
  });

  it('name originals of the demo bucket inside the layout', () => {
    for (const [name, event] of lifecycle) {
      const objects =
        event.kind === 'objects'
          ? event.objects.map((object) => [object.bucket, object.key])
          : event.kind === 'batch'
            ? event.invocation.tasks.map((task) => ['s3Bucket' in task ? task.s3Bucket : task.s3BucketArn.split(':::')[1], task.s3Key])
            : [];
      expect(objects.length).toBeGreaterThan(0);
      for (const [bucket, key] of objects) {
        expect([name, bucket]).toEqual([name, 'preview-lambda-demo']);
        expect([name, previewLocations(config.layout, key!) !== undefined]).toEqual([name, true]);
      }
    }
  });
});

describe('Deadlines: the template’s function timeout is the one every default derives from', () => {
  it('defaults Timeout to FUNCTION_TIMEOUT_SECONDS, and the invoke deadline outlasts two of them', () => {
    expect(Number(template.Parameters.Timeout!.Default)).toBe(FUNCTION_TIMEOUT_SECONDS);
    expect(DEFAULT_INVOKE_TIMEOUT_MS).toBeGreaterThan(2 * FUNCTION_TIMEOUT_SECONDS * 1000);
    expect(PROXY_DEFAULTS.INVOKE_TIMEOUT_MS).toBe(DEFAULT_INVOKE_TIMEOUT_MS);
    expect(PROXY_DEFAULTS.REQUEST_TIMEOUT_MS).toBeGreaterThan(PROXY_DEFAULTS.INVOKE_TIMEOUT_MS);
  });
});
