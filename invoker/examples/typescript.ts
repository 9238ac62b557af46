// Typed usage: the `switch` is exhaustive, so a new result kind would fail to compile here.
import { PreviewInvoker, type PreviewResult } from '@preview-lambda/invoker';

const invoker = new PreviewInvoker({ functionName: 'preview-lambda', clientConfig: { region: 'eu-west-1' } });
const request = { src_key: 'photo/some/file.jpg', src_bucket: 'bucket.mydomain', dst_bucket: 'bucket.mydomain',
  root_folder: 'prew', preset_name: 'small', rewrite_part: 'photo', width: 1440 };

function describe(result: PreviewResult): string {
  switch (result.kind) {
    case 'preview': return `${result.bytes.length} bytes of ${result.contentType}`;
    case 'stored': return `too large to inline, read s3://${request.dst_bucket}/${result.key}`;
    case 'failed': return `permanent failure ${result.code}: ${result.message}`;
    default: { const unreachable: never = result; return unreachable; }
  }
}

console.log(describe(await invoker.invoke(request, { signal: AbortSignal.timeout(10_000) })));
invoker.destroy();
