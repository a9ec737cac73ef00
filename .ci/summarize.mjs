// Reads vitest's JSON report and prints the one closing line of CI:
//   tests: N passed, N failed, N skipped
// Exit status 1 when a test failed (a test file that failed to load counts as
// one failure), when no test ran, or, with --lab-required, when the network-
// namespace lab tests (test/lab/*.test.ts) passed none although this machine
// could run them (root, `ip netns` available).
import { readFileSync } from 'node:fs';

const [reportPath, ...flags] = process.argv.slice(2);
const labRequired = flags.includes('--lab-required');
let r;
try {
  r = JSON.parse(readFileSync(reportPath, 'utf8'));
} catch {
  console.log('tests: 0 passed, 1 failed, 0 skipped');
  console.log('vitest wrote no JSON report');
  process.exit(1);
}
const failed = r.numFailedTests || r.numFailedTestSuites || 0;
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`tests: ${r.numPassedTests ?? 0} passed, ${failed} failed, ${skipped} skipped`);
let ok = failed === 0 && r.success !== false;
if (!r.numTotalTests || !r.numPassedTests) {
  console.log('no test ran');
  ok = false;
}
if (labRequired) {
  const lab = (r.testResults ?? []).filter((f) => /(^|\/)test\/lab\/[^/]+\.test\.ts$/.test(f.name));
  const labPassed = lab.flatMap((f) => f.assertionResults ?? []).filter((t) => t.status === 'passed').length;
  if (labPassed === 0) {
    console.log('the network-namespace lab tests (test/lab) ran none, although this machine runs as root with ip netns');
    ok = false;
  }
}
process.exit(ok ? 0 : 1);
