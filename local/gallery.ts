/**
 * The demo's gallery: one static page that nginx serves at `/` (through the template's `SERVER_INCLUDES`),
 * showing every sample original in every preset and format, each with its type, size and bytes as the
 * browser received them. Written by `npm start` into nginx's prefix; never deployed.
 *
 * Per preset the columns are: what this browser gets at `/<root>/<preset>/<path>` (nginx picks the
 * variant from the `Accept` header the browser sends for images), the source-format preview (fetched by
 * the page with `Accept: image/*`, which names no modern format), and each variant the preset offers at
 * its own URL `/<root>/<preset>@<format>/<path>`.
 *
 * @module
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OUTPUT_FORMAT_TYPES, type PresetCatalogue, variantSegment } from '@preview-lambda/contract';

/** One original shown in the gallery. */
export interface GallerySample {
  /** Its path below the originals prefix, e.g. `samples/landscape.jpg`. */
  readonly path: string;
  /** What it shows. */
  readonly title: string;
}

/** What the gallery shows. */
export interface GalleryOptions {
  /** The previews' first URL segment, e.g. `prew`. */
  readonly previewRoot: string;
  /** The originals' URL prefix, e.g. `photo`. */
  readonly sourcePrefix: string;
  /** The catalogue: a row per preset, a column per format it offers. */
  readonly presets: PresetCatalogue;
  /** The originals, in order. */
  readonly samples: readonly GallerySample[];
}

/** Where {@link writeGallery} put the page and the nginx location that serves it. */
export interface WrittenGallery {
  /** The page, `<prefix>/site/index.html`. */
  readonly page: string;
  /** The location block, `<prefix>/conf/preview.d/gallery.conf` (matched by the default `SERVER_INCLUDES`). */
  readonly location: string;
}

const FORMAT_NAMES = { avif: 'AVIF', webp: 'WebP' } as const;

/** `text` with the five characters HTML gives meaning to escaped. */
function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A URL path of segments, each percent-encoded (the sample paths are plain, but stay safe). */
function urlPath(...segments: string[]): string {
  return `/${segments.flatMap((segment) => segment.split('/')).map(encodeURIComponent).join('/')}`;
}

/** One cell: an image (or, for `accept`, one the page fetches with that header) and its caption. */
function cell(kind: string, src: string, alt: string, accept?: string): string {
  const source = accept === undefined ? `src="${html(src)}"` : `data-src="${html(src)}" data-accept="${html(accept)}"`;
  return (
    `<td><figure><a href="${html(src)}"><img ${source} data-kind="${kind}" alt="${html(alt)}"></a>` +
    `<figcaption>loading…</figcaption></figure></td>`
  );
}

function sampleSection(options: GalleryOptions, sample: GallerySample): string {
  const { previewRoot, sourcePrefix, presets } = options;
  const formats = [...new Set([...presets.values()].flatMap((preset) => preset.formats))];
  const head = ['preset', 'your browser (by Accept)', 'source format', ...formats.map((f) => `${FORMAT_NAMES[f]} (${OUTPUT_FORMAT_TYPES[f]})`)];
  const rows = [...presets].map(([name, preset]) => {
    const negotiated = urlPath(previewRoot, name, sample.path);
    const cells = [
      cell('negotiated', negotiated, `${sample.path} at ${name}, as this browser gets it`),
      cell('source', negotiated, `${sample.path} at ${name}, source format`, 'image/*'),
      ...formats.map((format) =>
        preset.formats.includes(format)
          ? cell(format, urlPath(previewRoot, variantSegment(name, format), sample.path), `${sample.path} at ${name} as ${format}`)
          : '<td class="none">not offered</td>',
      ),
    ];
    return `<tr><th>${html(name)}<br><small>${preset.width} px wide</small></th>${cells.join('')}</tr>`;
  });
  const original = urlPath(sourcePrefix, sample.path);
  return `<section>
  <h2>${html(sample.path)}</h2>
  <p>${html(sample.title)} — <a href="${html(original)}">the original</a></p>
  <table><thead><tr>${head.map((h) => `<th>${html(h)}</th>`).join('')}</tr></thead>
  <tbody>${rows.join('\n')}</tbody></table>
</section>`;
}

/** Fills each caption once its image has loaded: type, size and bytes as received. */
const SCRIPT = `
const caption = (img, type, bytes) => {
  const parts = [type || 'type unknown', img.naturalWidth + '×' + img.naturalHeight];
  if (bytes > 0) parts.push(bytes.toLocaleString('en') + ' bytes');
  img.closest('figure').querySelector('figcaption').textContent = parts.join(' · ');
};
// The image's own entry: the source-format cell fetches the same URL (initiatorType 'fetch').
const timing = (img) => performance.getEntriesByName(img.currentSrc).filter((e) => e.initiatorType === 'img').at(-1);
for (const img of document.querySelectorAll('img[src]')) {
  const done = () => {
    const entry = timing(img);
    if (img.naturalWidth === 0) img.closest('figure').querySelector('figcaption').textContent = 'broken';
    else caption(img, entry?.contentType, entry?.encodedBodySize ?? 0);
  };
  if (img.complete) done(); else { img.addEventListener('load', done); img.addEventListener('error', done); }
}
for (const img of document.querySelectorAll('img[data-accept]')) {
  fetch(img.dataset.src, { headers: { Accept: img.dataset.accept } }).then(async (response) => {
    const blob = await response.blob();
    img.addEventListener('load', () => caption(img, response.headers.get('content-type'), blob.size));
    img.src = URL.createObjectURL(blob);
  });
}`;

/** The gallery page. */
function renderGallery(options: GalleryOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>preview-lambda demo: every sample in every preset and format</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; background: #f6f6f4; }
  table { border-collapse: collapse; width: 100%; table-layout: fixed; margin-bottom: 2.5rem; }
  th, td { border: 1px solid #ddd; padding: .5rem; vertical-align: top; text-align: left; }
  thead th { background: #eceae4; }
  tbody th { width: 7rem; }
  figure { margin: 0; }
  img { max-width: 100%; height: auto; display: block; background: repeating-conic-gradient(#ddd 0 25%, #fff 0 50%) 0 0 / 16px 16px; }
  figcaption, small, .none { color: #666; font-size: 13px; }
  code { background: #eceae4; padding: 0 .2em; }
</style>
</head>
<body>
<h1>preview-lambda: every sample in every preset and format</h1>
<p>Each preview is made by the Lambda on its first request (nginx finds nothing in S3 and falls back to the
proxy) and served by nginx straight from S3 afterwards. <b>Your browser</b> loads
<code>/${html(options.previewRoot)}/&lt;preset&gt;/&lt;path&gt;</code>: nginx picks the variant from the
<code>Accept</code> header (AVIF, then WebP, then the source format) and answers with <code>Vary: Accept</code>.
<b>Source format</b> is the same URL fetched with <code>Accept: image/*</code>, what a client that names no
modern format gets; the other columns are the variants at their own URLs,
<code>/${html(options.previewRoot)}/&lt;preset&gt;@avif/&lt;path&gt;</code>. Captions give the type, size and
bytes as received. Reload to see them come from S3 (nginx's access log says so).</p>
${options.samples.map((sample) => sampleSection(options, sample)).join('\n')}
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** The nginx location that serves `siteDirectory/index.html` at `/`, uncached. */
function galleryLocation(siteDirectory: string): string {
  const policy = "default-src 'none'; img-src 'self' blob:; connect-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";
  return `# The demo's gallery (local/gallery.ts), written by npm start: not part of any deployment.
location = / {
    root "${siteDirectory.replace(/["\\]/g, '\\$&')}";
    try_files /index.html =404;
    types { }
    default_type "text/html; charset=utf-8";
    more_set_headers 'Cache-Control: no-store' "Content-Security-Policy: ${policy}";
}
`;
}

/**
 * Writes the page under `prefixDir/site/` and its location into `prefixDir/conf/preview.d/`, where the
 * rendered template's default `include preview.d/*.conf;` finds it when nginx starts. The prefix and the
 * site are made readable to all: nginx's workers read the page, and run as `nobody` when nginx is started
 * as root (a `mkdtemp` prefix is 0700).
 */
export async function writeGallery(prefixDir: string, options: GalleryOptions): Promise<WrittenGallery> {
  const site = join(prefixDir, 'site');
  const includes = join(prefixDir, 'conf', 'preview.d');
  await mkdir(site, { recursive: true });
  await mkdir(includes, { recursive: true });
  await chmod(prefixDir, 0o755);
  await chmod(site, 0o755);
  const page = join(site, 'index.html');
  const location = join(includes, 'gallery.conf');
  await writeFile(page, renderGallery(options), { mode: 0o644 });
  await writeFile(location, galleryLocation(site));
  return { page, location };
}
