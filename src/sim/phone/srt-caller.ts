/**
 * The picture a simulated phone streams: ffmpeg's `testsrc` (a moving test
 * pattern with a frame counter), H.264 ultrafast, MPEG-TS, sent as the SRT
 * caller to the destination's URL, as the Blackmagic Camera app does
 * (solid174/obs-bmagicam docs/camera-api.md "The stream": MPEG-TS, keyframe
 * every second, the phone calls, the receiver listens). Small and slow by
 * default so a 2-core box carries a few at once. One process per stream, read
 * for progress (frames sent, bitrate), killed on stop and never left behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';

/** The size and rate of the simulated picture. */
export interface SimStreamFormat {
  width: number;
  height: number;
  fps: number;
  /** Bits a second asked of the encoder. */
  bitrate: number;
  /**
   * Draw the wall clock (ms, 32 bits, least significant first, 1/32 of the width
   * each, white = 1) across the top 40 px: the glass-to-board benchmark reads it
   * back from the board and compares it with the browser's clock.
   */
  clockStrip?: boolean;
}

/** Small enough for several phones on this box; `rigmap sim --phone-stream 720p` asks for more. */
export const SIM_STREAM_SMALL: SimStreamFormat = { width: 640, height: 360, fps: 10, bitrate: 1_000_000 };
export const SIM_STREAM_720P: SimStreamFormat = { width: 1280, height: 720, fps: 15, bitrate: 2_000_000 };

/** The effective video format name the phone reports, in the app's spelling (`1280x720p15`). */
export const formatName = (f: SimStreamFormat) => `${f.width}x${f.height}p${f.fps}`;

/** What a running caller reports. */
export interface CallerProgress {
  /** Frames sent so far. */
  frames: number;
  /** Bits a second, as ffmpeg measures its output. */
  bitrate: number;
}

/** The lavfi graph of the picture: testsrc, and the clock strip when asked. */
function sourceGraph(f: SimStreamFormat): string {
  const src = `testsrc=size=${f.width}x${f.height}:rate=${f.fps}`;
  if (!f.clockStrip) return src;
  // Timestamps from the wall clock (RTCTIME, µs) less an offset, so the encoder sees small ones; geq draws the bits of the ms.
  const offUs = Date.now() * 1000;
  const offMs = Math.floor(offUs / 1000) % 2 ** 32;
  const bit = Math.floor(f.width / 32);
  return `${src},setpts='(RTCTIME-${offUs})/(TB*1000000)',format=yuv420p,split[a][b];`
    + `[b]crop=${f.width}:40:0:0,geq=lum='255*mod(floor((T*1000+${offMs})/pow(2,min(31,floor(X/${bit})))),2)':cb=128:cr=128[s];[a][s]overlay=0:0`;
}

/** The URL the caller may call: srt:// to a loopback IP literal and port (the simulator never calls out of the box). */
export function callableSrtUrl(url: string): { host: string; port: number } | null {
  const m = /^srt:\/\/(127\.\d{1,3}\.\d{1,3}\.\d{1,3}):(\d{1,5})(?:[/?].*)?$/.exec(url.trim());
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535 || m[1]!.split('.').some((o) => Number(o) > 255)) return null;
  return { host: m[1]!, port };
}

/** One ffmpeg caller process. */
export class SrtCaller {
  private child: ChildProcess | null;
  private lineBuf = '';
  private block: Record<string, string> = {};
  readonly progress: CallerProgress = { frames: 0, bitrate: 0 };
  private exited = false;
  private paused = false;

  constructor(
    target: { host: string; port: number },
    format: SimStreamFormat,
    private readonly events: { onProgress: (p: CallerProgress) => void; onExit: (code: number | null) => void },
    ffmpeg = process.env.RIGMAP_FFMPEG || 'ffmpeg',
    /** Stop by itself after this long (a bound on a simulator forgotten by its owner). */
    maxSeconds = 3600,
  ) {
    const url = `srt://${target.host}:${target.port}?mode=caller&latency=50000&connect_timeout=3000&pkt_size=1316`;
    const args = [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-re',
      '-f', 'lavfi', '-i', sourceGraph(format),
      '-t', String(maxSeconds), '-an',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
      // A keyframe every second, like the app.
      '-g', String(format.fps), '-b:v', String(format.bitrate), '-maxrate', String(format.bitrate), '-bufsize', String(format.bitrate),
      // No mux delay: the app sends as it encodes (first media packet ~0.4 s after start on a real phone).
      '-muxdelay', '0', '-muxpreload', '0', '-f', 'mpegts', '-progress', 'pipe:1', '-stats_period', '0.5', url,
    ];
    this.child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (s: string) => this.read(s));
    this.child.on('error', () => this.finish(null));
    this.child.on('exit', (code) => this.finish(code));
  }

  /** Freeze the encoder (the stall fault: nothing leaves the phone, its send buffer fills). */
  pause(): void {
    if (this.child && !this.exited && !this.paused) {
      this.paused = true;
      this.child.kill('SIGSTOP');
    }
  }

  resume(): void {
    if (this.child && !this.exited && this.paused) {
      this.paused = false;
      this.child.kill('SIGCONT');
    }
  }

  get running(): boolean {
    return !this.exited;
  }

  /** End the process (SIGKILL works on a stopped one too). Resolves once it has exited. */
  stop(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  private read(s: string): void {
    this.lineBuf += s;
    if (this.lineBuf.length > 64 * 1024) this.lineBuf = this.lineBuf.slice(-4096); // ffmpeg's progress lines are short
    let nl: number;
    while ((nl = this.lineBuf.indexOf('\n')) >= 0) {
      const line = this.lineBuf.slice(0, nl).trim();
      this.lineBuf = this.lineBuf.slice(nl + 1);
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq);
      this.block[key] = line.slice(eq + 1);
      if (key !== 'progress') continue;
      const frames = Number(this.block.frame);
      const kbits = Number.parseFloat(this.block.bitrate ?? '');
      if (Number.isFinite(frames)) this.progress.frames = frames;
      if (Number.isFinite(kbits)) this.progress.bitrate = Math.round(kbits * 1000);
      this.block = {};
      this.events.onProgress(this.progress);
    }
  }

  private finish(code: number | null): void {
    if (this.exited) return;
    this.exited = true;
    this.events.onExit(code);
  }
}
