/** Shared pieces of the phone preview tests: HTTPS to a simulated phone, ffmpeg processes of a test's address block. */
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';

/** One request to a simulated phone's REST API (self-signed: the test does not check it; rigmap pins it). */
export function phoneCall(ip: string, method: string, path: string, body?: { text: string; type: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: ip, port: 4444, method, path: `/control/api/v1${path}`, rejectUnauthorized: false, agent: false, timeout: 5000,
      headers: body ? { 'content-type': body.type, 'content-length': Buffer.byteLength(body.text) } : {},
    }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body?.text);
  });
}

/** Process ids of ffmpeg processes whose command line names an address starting with `prefix` (e.g. "127.156."). */
export function ffmpegPidsOn(prefix: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const argv = cmd.split('\0');
    if (!/(^|\/)ffmpeg$/.test(argv[0] ?? '')) continue;
    if (argv.some((a) => a.includes(`srt://${prefix}`))) out.push(Number(name));
  }
  return out;
}

/** Is process `pid` still there (and not a zombie)? */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
