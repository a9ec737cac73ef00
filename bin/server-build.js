// Whether the built server in dist/server/ (scripts/build-server.mjs) still matches
// the sources: it does while every source file it was built from is older than the
// build. A source edited since (or gone) means the build is stale, and bin/rigmap.js
// runs the TypeScript sources instead, so an edit is never silently ignored.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The built entry point to import, or null when there is none or it is stale. */
export function freshServerBuild(root) {
  const manifest = join(root, 'dist/server/inputs.json');
  let builtAt;
  let inputs;
  try {
    builtAt = statSync(manifest).mtimeMs;
    inputs = JSON.parse(readFileSync(manifest, 'utf8')).inputs;
  } catch {
    return null;
  }
  if (!Array.isArray(inputs) || inputs.length === 0) return null;
  for (const input of inputs) {
    try {
      if (statSync(join(root, input)).mtimeMs > builtAt) return null;
    } catch {
      return null;
    }
  }
  return join(root, 'dist/server/index.js');
}
