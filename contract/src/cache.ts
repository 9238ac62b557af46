/**
 * The default `Cache-Control` of previews, the same for the function (stored with each preview, which
 * nginx serves from S3) and the proxy (a preview answered on a miss).
 *
 * One day, not a year with `immutable`: a preview's URL is its original's key, which stays the same when
 * the original is replaced, so the purge that follows a replace or a delete reaches browsers and CDNs
 * only when their copy expires (`immutable` even forbids revalidating a fresh copy on reload, RFC 8246).
 * A day bounds how long an old or deleted photo can still be seen; after it, a browser revalidates with
 * `If-None-Match`, which nginx passes to S3, and an unchanged preview costs a 304 without its bytes.
 * Deployments whose originals never change under the same key can set
 * `public, max-age=31536000, immutable` (`CACHE_CONTROL`, template parameter `CacheControl`).
 */
export const DEFAULT_PREVIEW_CACHE_CONTROL = 'public, max-age=86400';
