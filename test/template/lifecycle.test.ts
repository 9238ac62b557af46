/**
 * The template's lifecycle wiring: the `Lifecycle` parameter, an EventBridge rule confined to the
 * originals prefix of the source bucket, the permission that lets only that rule invoke the function,
 * `EAGER_PRESETS`, and `s3:DeleteObject` on the preview root only.
 */
import { DEFAULT_PREVIEW_CACHE_CONTROL } from '@preview-lambda/contract';
import { PROXY_DEFAULTS } from '@preview-lambda/proxy/config';
import { describe, expect, it } from 'vitest';
import { parseHandlerConfig } from '@preview-lambda/handler/config';
import { readTemplate, type TemplateStatement } from '@preview-lambda/local/template';

const template = readTemplate();
const resources = template.Resources as Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
const parameters = template.Parameters as Record<string, { Default?: string; AllowedValues?: string[]; AllowedPattern?: string }>;
const statements = (
  resources.PreviewFunctionRole!.Properties.Policies as { PolicyDocument: { Statement: TemplateStatement[] } }[]
).flatMap((policy) => policy.PolicyDocument.Statement);

describe('template.yaml: previews follow their originals', () => {
  it('offers Lifecycle off / purge / purge-and-generate, off by default', () => {
    expect(parameters.Lifecycle).toMatchObject({ AllowedValues: ['off', 'purge', 'purge-and-generate'], Default: 'off' });
    expect(template.Conditions).toMatchObject({
      FollowsOriginals: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Lifecycle' }, 'off'] }] },
      GeneratesOnEvents: { 'Fn::Equals': [{ Ref: 'Lifecycle' }, 'purge-and-generate'] },
    });
  });

  it('sends only the originals’ Object Created / Object Deleted events of the source bucket to the function', () => {
    const rule = resources.OriginalsEventsRule!;
    expect([rule.Type, rule.Condition]).toEqual(['AWS::Events::Rule', 'FollowsOriginals']);
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created', 'Object Deleted'],
      detail: {
        bucket: { name: [{ Ref: 'SourceBucketName' }] },
        object: { key: [{ prefix: { 'Fn::Sub': '${SourcePrefix}/' } }] },
      },
    });
    expect(rule.Properties.Targets).toMatchObject([{ Arn: { 'Fn::GetAtt': ['PreviewFunction', 'Arn'] } }]);
  });

  it('lets that rule, and nothing else, invoke the function', () => {
    const permissions = Object.values(resources).filter((resource) => resource.Type === 'AWS::Lambda::Permission');
    expect(permissions).toEqual([
      {
        Type: 'AWS::Lambda::Permission',
        Condition: 'FollowsOriginals',
        Properties: {
          Action: 'lambda:InvokeFunction',
          FunctionName: { 'Fn::GetAtt': ['PreviewFunction', 'Arn'] },
          Principal: 'events.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': ['OriginalsEventsRule', 'Arn'] },
        },
      },
    ]);
  });

  it('gives the function EAGER_PRESETS only with purge-and-generate', () => {
    const variables = (resources.PreviewFunction!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.EAGER_PRESETS).toEqual({ 'Fn::If': ['GeneratesOnEvents', { Ref: 'EagerPresets' }, ''] });
  });

  it('accepts with EagerPresets’ pattern what EAGER_PRESETS accepts', () => {
    const pattern = new RegExp(parameters.EagerPresets!.AllowedPattern!);
    const base = { SOURCE_BUCKETS: 'photos', DESTINATION_BUCKETS: 'photos', IDEMPOTENCY_TABLE_NAME: 'table', PRESETS: 'small=320,large=1440' };
    for (const text of ['*', 'small', 'small,large', ' small , large ']) {
      expect([text, pattern.test(text)]).toEqual([text, true]);
      expect(() => parseHandlerConfig({ ...base, EAGER_PRESETS: text })).not.toThrow();
    }
    for (const text of ['small,', 'Small', 'a/b', '**']) expect([text, pattern.test(text)]).toEqual([text, false]);
    expect(() => parseHandlerConfig({ ...base, EAGER_PRESETS: 'small,huge' })).toThrow(
      'EAGER_PRESETS: Expected names of configured presets ("small", "large") or "*" but received "huge"',
    );
    expect(() => parseHandlerConfig({ ...base, EAGER_PRESETS: '*,huge' })).toThrow(
      'EAGER_PRESETS: Expected names of configured presets ("small", "large") or "*" but received "huge"',
    );
  });

  it('defaults CacheControl to the function’s and the proxy’s default (one day, not immutable)', () => {
    expect(parameters.CacheControl!.Default).toBe(DEFAULT_PREVIEW_CACHE_CONTROL);
    expect(PROXY_DEFAULTS.CACHE_CONTROL).toBe(DEFAULT_PREVIEW_CACHE_CONTROL);
    const config = parseHandlerConfig({ SOURCE_BUCKETS: 'photos', DESTINATION_BUCKETS: 'photos', IDEMPOTENCY_TABLE_NAME: 'table', PRESETS: 'small=320' });
    expect(config.cacheControl).toBe(DEFAULT_PREVIEW_CACHE_CONTROL);
    expect(DEFAULT_PREVIEW_CACHE_CONTROL).not.toContain('immutable');
  });

  it('grants s3:DeleteObject on the preview root only', () => {
    const deleting = statements.filter((statement) => JSON.stringify(statement.Action).includes('s3:Delete'));
    expect(deleting.map((statement) => [statement.Sid, statement.Resource])).toEqual([
      ['ReadAndWritePreviews', { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${DestinationBucketName}/${PreviewRoot}/*' }],
    ]);
    expect(deleting[0]!.Action).toContain('s3:DeleteObject');
  });
});
