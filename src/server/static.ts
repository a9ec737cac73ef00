/**
 * The dashboard: the Vite bundle in dist/web, served as files, with index.html
 * for every other non-API GET (the views are hash-routed, but a typed path still
 * lands on the app). Without a bundle, a page says how to build one instead of a 404.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Hono } from 'hono';
import { PACKAGE_ROOT } from '../topology/package-root.ts';
import type { AppEnv } from './app-env.ts';
import { serveStatic } from '@hono/node-server/serve-static';

/** Where `npm run build` writes the bundle (repo-root/dist/web). */
export const DEFAULT_WEB_DIR = join(PACKAGE_ROOT, 'dist/web');

const MISSING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rigmap: dashboard not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#111;background:#fafafa}code{background:#eee;padding:.1rem .3rem;border-radius:3px}</style>
</head><body>
<h1>The dashboard is not built yet</h1>
<p>rigmap is running and its API answers (try <a href="/api/topology"><code>/api/topology</code></a>),
but the dashboard bundle is missing from <code>__DIR__</code>.</p>
<p>Build it once with <code>npm run build</code> (or run <code>npm ci</code>, which builds it), then reload this page.</p>
</body></html>`;

/**
 * Routes serving the dashboard bundle from `dir`: `/` is index.html, other paths
 * are files of the bundle or fall through (so /metrics, /healthz and the API stay
 * theirs wherever they are registered). Views are hash-routed (`/#/inventory`).
 */
export function staticRoutes({ dir = DEFAULT_WEB_DIR }: { dir?: string } = {}) {
  const root = resolve(dir);
  // serveStatic's root is taken relative to the working directory.
  const rel = relative(process.cwd(), root) || '.';
  const isApi = (path: string) => path === '/api' || path.startsWith('/api/');
  return new Hono<AppEnv>().get('*', async (c, next) => {
    if (isApi(c.req.path)) return next();
    const isIndex = c.req.path === '/' || c.req.path === '/index.html';
    if (isIndex && !existsSync(join(root, 'index.html'))) return c.html(MISSING_PAGE.replace('__DIR__', root), 503);
    if (!existsSync(root)) return next();
    // Hashed assets never change; index.html must be re-read after a rebuild.
    // (serveStatic's onFound runs after the response is built, too late for headers.)
    if (isIndex || existsSync(join(root, c.req.path))) {
      c.header('cache-control', c.req.path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    return serveStatic({ root: rel, path: isIndex ? 'index.html' : undefined })(c, next);
  });
}
