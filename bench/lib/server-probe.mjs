// Preloaded into the health bench's server (node --import): its event-loop delay and
// heap, written as one JSON line to HEALTH_BENCH_PROBE_FILE on each SIGUSR2 (each
// signal starts a new window), so the bench can tell a late server from a late
// simulator. HEALTH_BENCH_ALLOC_PROF=1 also samples allocations (collected objects
// included) from the first signal to the second, into HEALTH_BENCH_PROBE_FILE.heapprofile;
// HEALTH_BENCH_ALLOC_PROF=promoted leaves out what the young generation's collections
// took, so what is left is what lived long enough to be promoted (what grows the old space).
// Plain .mjs: it loads before bin/rigmap.js registers tsx.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.HEALTH_BENCH_PROBE_FILE;
const allocMode = process.env.HEALTH_BENCH_ALLOC_PROF;
const allocProf = allocMode === '1' || allocMode === 'promoted';
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let session = null;
  let signals = 0;
  const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (err, r) => (err ? reject(err) : resolve(r))));
  process.on('SIGUSR2', async () => {
    signals++;
    const ms = (ns) => ns / 1e6;
    const m = process.memoryUsage();
    const out = { loopDelay: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) }, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal };
    delay.reset();
    if (allocProf && signals === 1) {
      session = new Session();
      session.connect();
      await post('HeapProfiler.enable');
      await post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: allocMode === '1' });
    } else if (allocProf && signals === 2) {
      const { profile } = await post('HeapProfiler.stopSampling');
      writeFileSync(`${file}.heapprofile`, JSON.stringify(profile));
    }
    writeFileSync(file, `${JSON.stringify(out)}\n`);
  });
}
