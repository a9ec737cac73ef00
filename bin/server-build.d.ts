/** The built entry point to import (dist/server/index.js), or null when there is none or it is stale. */
export function freshServerBuild(root: string): string | null;
