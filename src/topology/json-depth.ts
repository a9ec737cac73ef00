/** How deep a JSON value nests, checked without recursion (a hostile body nests thousands deep). */

/** The deepest nesting of arrays/objects accepted in free-form JSON fields (command args). */
export const MAX_JSON_DEPTH = 32;

/**
 * True when `value` nests no deeper than `max` levels of arrays/objects. Walks
 * with an explicit stack and stops at the first level past `max`, so a
 * 6,000-deep value costs at most `max` levels of work per branch and never
 * overflows the call stack (JSON.stringify of one did: a 500).
 */
export function isJsonDepthWithin(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return false;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return true;
}
