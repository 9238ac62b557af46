// CommonJS usage: errors share one root class and a stable `code`.
const { PreviewInvoker, InvokerError } = require('@preview-lambda/invoker');

const invoker = new PreviewInvoker({ functionName: 'preview-lambda', timeoutMs: 10_000 });
const request = { src_key: 'photo/some/file.jpg', src_bucket: 'bucket.mydomain', dst_bucket: 'bucket.mydomain',
  root_folder: 'prew', preset_name: 'small', rewrite_part: 'photo', width: 1440 };

invoker
  .invoke(request)
  .then((result) => console.log(result.kind, result.kind === 'failed' ? result.code : result.key))
  .catch((error) => console.error(error instanceof InvokerError ? error.code : 'UNEXPECTED', error.message))
  .finally(() => invoker.destroy());
