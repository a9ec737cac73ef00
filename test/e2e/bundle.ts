/**
 * Make sure dist/web holds a bundle built from the current src/web: tests and
 * benchmarks drive the real bundle the server serves, never a stale one. A lock
 * directory keeps two processes from building at once.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));
const srcDir = join(root, 'src/web');
const outIndex = join(root, 'dist/web/index.html');
const lockDir = join(root, 'dist/.web-build.lock');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const isFresh = () => existsSync(outIndex) && statSync(outIndex).mtimeMs >= Math.max(newestMtime(srcDir), statSync(join(root, 'vite.config.ts')).mtimeMs);

/** Build the dashboard bundle unless an up-to-date one exists. */
export async function ensureBundle(): Promise<void> {
  if (isFresh()) return;
  mkdirSync(join(root, 'dist'), { recursive: true });
  for (let i = 0; i < 600; i++) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      // Someone else is building; a lock older than 2 minutes is left over from a crash.
      if (existsSync(lockDir) && Date.now() - statSync(lockDir).mtimeMs > 120_000) rmSync(lockDir, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
      if (isFresh()) return;
    }
  }
  try {
    if (!isFresh()) await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'error' });
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
