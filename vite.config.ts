/**
 * The dashboard bundle: src/web → dist/web, served by the rigmap server
 * (src/server/static.ts). `npm run build` writes it; `npm ci` and `npm start` run it.
 * In development, `npx vite` serves src/web and forwards /api to a running rigmap.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./src/web'),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: here('./dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { '/api': { target: process.env.RIGMAP_URL ?? 'http://127.0.0.1:4747', changeOrigin: false } },
  },
});
