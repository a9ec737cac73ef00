/**
 * .ci/run: installs every package a test needs (so none is skipped in CI) and
 * closes with `tests: N passed, N failed, N skipped` from vitest's JSON report,
 * failing on any failure, when no test ran, and when the network-namespace lab
 * tests ran none on a machine that can run them.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/app.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const tmp = makeTempDir('rigmap-ci-');
afterAll(() => tmp.cleanup());

type T = { status: string };
function report(files: Record<string, T[]>, extra: Record<string, unknown> = {}) {
  const all = Object.values(files).flat();
  const count = (s: string) => all.filter((t) => t.status === s).length;
  return {
    numTotalTests: all.length, numPassedTests: count('passed'), numFailedTests: count('failed'), numPendingTests: count('skipped'), numTodoTests: count('todo'),
    numFailedTestSuites: 0, success: count('failed') === 0,
    testResults: Object.entries(files).map(([name, assertionResults]) => ({ name: join(ROOT, name), assertionResults })),
    ...extra,
  };
}

let n = 0;
async function summarize(doc: unknown, ...flags: string[]): Promise<{ code: number; out: string }> {
  const path = join(tmp.dir, `r${n++}.json`);
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
  try {
    const { stdout } = await run('node', [join(ROOT, '.ci/summarize.mjs'), path, ...flags]);
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

const P = { status: 'passed' };
const F = { status: 'failed' };
const S = { status: 'skipped' };

describe('.ci/run', () => {
  it('installs every package the tests need, with apt-get update first', () => {
    const script = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    for (const p of ['chromium', 'graphviz', 'openssl', 'iproute2', 'prometheus', 'prometheus-alertmanager', 'prometheus-blackbox-exporter', 'ffmpeg']) {
      expect(script).toMatch(new RegExp(`PACKAGES=\\([^)]*\\b${p}\\b`));
    }
    expect(script).toContain('apt-get update');
    expect(script).toContain('apt-get install -y');
    expect(script).toContain('--reporter=json');
  });

  it('prints passed, failed and skipped, and fails on a failure', async () => {
    expect(await summarize(report({ 'test/unit/a.test.ts': [P, P, S] }))).toEqual({ code: 0, out: 'tests: 2 passed, 0 failed, 1 skipped\n' });
    const failing = await summarize(report({ 'test/unit/a.test.ts': [P, F] }));
    expect(failing.code).toBe(1);
    expect(failing.out).toBe('tests: 1 passed, 1 failed, 0 skipped\n');
  });

  it('fails when no test ran or no report was written', async () => {
    expect((await summarize(report({}))).code).toBe(1);
    expect((await summarize(report({ 'test/unit/a.test.ts': [S] }))).code).toBe(1);
    const none = await summarize('not json');
    expect(none).toMatchObject({ code: 1 });
    expect(none.out).toContain('tests: 0 passed, 1 failed');
  });

  it('with --lab-required, fails when the lab tests ran none', async () => {
    const skippedLab = report({ 'test/unit/a.test.ts': [P], 'test/lab/rig.test.ts': [S, S] });
    expect((await summarize(skippedLab)).code).toBe(0);
    const required = await summarize(skippedLab, '--lab-required');
    expect(required.code).toBe(1);
    expect(required.out).toContain('lab tests (test/lab) ran none');
    expect((await summarize(report({ 'test/unit/a.test.ts': [P], 'test/lab/rig.test.ts': [P, S] }), '--lab-required')).code).toBe(0);
  });
});
