/**
 * Is there an ffmpeg that can receive SRT? Phone previews need one (Debian's
 * `ffmpeg` package is built with libsrt). Checked once per binary, at start-up
 * and before the first phone preview, and said in words a crew member acts on.
 */
import { execFile } from 'node:child_process';

/** What the check found. */
export type FfmpegCheck = { ok: true; bin: string; version: string } | { ok: false; bin: string; problem: string };

const cache = new Map<string, Promise<FfmpegCheck>>();

/** Check `bin` (a name on PATH or a path) for SRT input support; the answer is remembered. */
export function checkFfmpeg(bin: string): Promise<FfmpegCheck> {
  let p = cache.get(bin);
  if (!p) {
    p = run(bin);
    cache.set(bin, p);
  }
  return p;
}

function run(bin: string): Promise<FfmpegCheck> {
  return new Promise((resolve) => {
    execFile(bin, ['-hide_banner', '-protocols'], { timeout: 10_000, maxBuffer: 256 * 1024 }, (err, stdout) => {
      const e = err as NodeJS.ErrnoException | null;
      if (e?.code === 'ENOENT') return resolve({ ok: false, bin, problem: `ffmpeg is not installed (no "${bin}" found): phone previews need it. Install it with "sudo apt install ffmpeg" (Debian's package has SRT), or point --ffmpeg at one` });
      if (e && !stdout) return resolve({ ok: false, bin, problem: `"${bin}" did not run (${e.message.slice(0, 120)}): phone previews need a working ffmpeg` });
      const input = /Input:\s*([\s\S]*?)Output:/.exec(stdout)?.[1] ?? '';
      if (!/^\s*srt\s*$/m.test(input)) return resolve({ ok: false, bin, problem: `"${bin}" was built without SRT (libsrt): phone previews need it. Install Debian's ffmpeg package ("sudo apt install ffmpeg")` });
      execFile(bin, ['-hide_banner', '-version'], { timeout: 10_000, maxBuffer: 256 * 1024 }, (_e, out) => {
        resolve({ ok: true, bin, version: /ffmpeg version (\S+)/.exec(out)?.[1] ?? 'unknown' });
      });
    });
  });
}
