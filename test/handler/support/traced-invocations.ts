/**
 * Child process of `test/handler/tracing.test.ts`: run with a simulated Lambda environment (the variables
 * the Lambda service sets with active tracing, the X-Ray daemon address pointing at the test's UDP
 * socket), it loads the tracer as the entry point does, builds the function through its composition root
 * over the emulators, invokes its entry point (`index.handler`) twice (a preview, a missing original) and
 * prints the responses as JSON.
 */
import type { ResizeResponse } from '@preview-lambda/contract';
import { makeJpeg } from '@preview-lambda/fixtures/images';
import { loadTracer } from '@preview-lambda/handler/tracing';
import { BUCKETS, lambdaContext, startHarness } from '../../support/harness.js';
import { previewRequest, uniqueSourceKey } from '../../support/requests.js';

const tracer = await loadTracer({ tracing: true, serviceName: 'preview-lambda' });
if (tracer === undefined) throw new Error('Expected tracing to be enabled in the simulated Lambda environment');
const harness = await startHarness();
try {
  const sut = await harness.handler({ tracer });
  const src = uniqueSourceKey('traced.jpg');
  await harness.putSource(src, await makeJpeg({ width: 800, height: 600 }));
  const preview = (await sut.entry(previewRequest(BUCKETS, src), lambdaContext())) as ResizeResponse;
  const missing = await sut.entry(previewRequest(BUCKETS, uniqueSourceKey('missing.jpg')), lambdaContext());
  process.stdout.write(`${JSON.stringify({ preview: { status: preview.status, key: preview.key }, missing })}\n`);
} finally {
  await harness.stop();
}
