/**
 * One ffmpeg process that listens for a phone's SRT call and turns the stream
 * (MPEG-TS, H.264 or HEVC) into JPEG frames on its stdout (image2pipe mjpeg),
 * cut by ./jpeg-splitter.ts. The port is rigmap's own, on the address the phone
 * reaches rigmap at. The process is owned: killed on stop (SIGKILL after a
 * grace), and its exit is reported so the session can listen again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { JpegSplitter } from './jpeg-splitter.ts';

/** The frames rigmap makes of a phone's stream: small, for boards and panels. */
export const RECEIVER_OUTPUT = { fps: 10, width: 640, jpegQuality: 6 };
/** SRT receive latency (µs); the phone side dominates the delay anyway (~350 ms). */
const SRT_LATENCY_US = 120_000;
/** Give up listening when no phone called this long (µs), and a silent connection after this (µs). */
const LISTEN_TIMEOUT_US = 15_000_000;
const IO_TIMEOUT_US = 5_000_000;
/** Bytes of ffmpeg's error output kept for the report. */
const MAX_STDERR = 2048;

/** A free UDP port on `address` (the OS picks; ffmpeg binds it right after). */
export function freeUdpPort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    s.once('error', reject);
    s.bind(0, address, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A running receiver. */
export class SrtReceiver {
  private readonly child: ChildProcess;
  private exited = false;
  private stderr = '';
  private readonly exitP: Promise<void>;
  /** JPEGs passed on. */
  frames = 0;

  constructor(opts: { ffmpeg: string; address: string; port: number; onFrame: (jpeg: Buffer) => void; onExit: (why: string, frames: number) => void }) {
    const host = opts.address.includes(':') ? `[${opts.address}]` : opts.address;
    const url = `srt://${host}:${opts.port}?mode=listener&latency=${SRT_LATENCY_US}&listen_timeout=${LISTEN_TIMEOUT_US}&timeout=${IO_TIMEOUT_US}`;
    const out = RECEIVER_OUTPUT;
    this.child = spawn(opts.ffmpeg, [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      // Start decoding as soon as a keyframe is in: a preview wants its first frame fast. The container is
      // known (MPEG-TS), so nothing probes for it. (`-fflags nobuffer` was measured to delay the first frame by ~1 s.)
      '-probesize', '32768', '-analyzeduration', '100000', '-f', 'mpegts',
      '-i', url, '-an', '-sn', '-dn',
      '-vf', `fps=${out.fps},scale='min(${out.width},iw)':-2`, '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', String(out.jpegQuality), 'pipe:1',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const splitter = new JpegSplitter((jpeg) => {
      this.frames++;
      opts.onFrame(jpeg);
    });
    this.child.stdout!.on('data', (c: Buffer) => splitter.push(c));
    this.child.stderr!.on('data', (c: Buffer) => {
      if (this.stderr.length < MAX_STDERR) this.stderr += c.toString('utf8').slice(0, MAX_STDERR - this.stderr.length);
    });
    this.exitP = new Promise((resolve) => {
      const done = (why: string) => {
        if (this.exited) return;
        this.exited = true;
        resolve();
        opts.onExit(why, this.frames);
      };
      this.child.once('error', (err) => done(`ffmpeg did not start: ${err.message}`));
      this.child.once('exit', (code, signal) => done(signal ? `ffmpeg was stopped (${signal})` : `ffmpeg ended (exit ${code})${this.lastError()}`));
    });
  }

  /** The process id (tests check it is gone). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Stop the process; resolves once it is gone. */
  stop(): Promise<void> {
    if (this.exited) return this.exitP;
    this.child.kill('SIGTERM');
    // Real time on purpose: a real child process gets 2 s to exit before SIGKILL (a fake clock would never kill it).
    const t = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    t.unref();
    return this.exitP.finally(() => clearTimeout(t));
  }

  private lastError(): string {
    const line = this.stderr.trim().split('\n').pop()?.trim();
    return line ? `: ${line.slice(0, 200)}` : '';
  }
}
