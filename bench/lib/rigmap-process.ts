/** What the benches read of a running rigmap server: its CPU and memory, and its path changes. */
import { existsSync, readFileSync, rmSync } from 'node:fs';

/** CPU seconds (user + system) and RSS bytes of a process, from /proc. */
export function procUsage(pid: number): { cpuS: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  return { cpuS: (Number(stat[11]) + Number(stat[12])) / 100, rss };
}

export interface PathStateEvent {
  deviceId: string;
  path: { network: string; state: string };
}

/**
 * Follow the server's `/api/events` and call `onPathState` for every
 * `path.state` event, as it arrives; resolves once subscribed, reads on in the
 * background until the stream ends.
 */
export async function watchPathStates(url: string, onPathState: (e: PathStateEvent) => void): Promise<void> {
  const reader = (await fetch(`${url}/api/events`)).body!.getReader();
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (block.includes('event: path.state')) onPathState(JSON.parse(/data: (.*)/.exec(block)![1]!) as PathStateEvent);
      }
    }
  })();
}

/** What bench/lib/server-probe.mjs reports of the server since the previous reading. */
export interface ServerProbe {
  loopDelay: { p50: number; p99: number; max: number };
  rss: number;
  heapUsed: number;
  heapTotal: number;
}

/**
 * Ask a server started with `--import bench/lib/server-probe.mjs` for its figures
 * (SIGUSR2; it writes `file`), and start its next window. Null if it did not answer in 5 s.
 */
export async function readServerProbe(pid: number, file: string): Promise<ServerProbe | null> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 5000; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    if (text.endsWith('\n')) return JSON.parse(text) as ServerProbe;
  }
  return null;
}
