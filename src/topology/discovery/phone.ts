/**
 * iPhones running Blackmagic Camera in discovery: the app advertises
 * `_http._tcp` (although it speaks HTTPS on 4444) with TXT
 * `capabilities=cameraControl`, and answers `GET /control/api/v1/system/product`.
 * Its certificate is self-signed: discovery reads it without trusting it and
 * carries its SHA-256 fingerprint (pinning is the trust module's job).
 */
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { PIN_NOT_CA } from '../trust/pins.ts';
import type { NodeInfo } from './types.ts';

/** The app's Bonjour service type and port. */
export const PHONE_SERVICE = { type: 'http', protocol: 'tcp' as const };
export const PHONE_PORT = 4444;
export const PHONE_API_PATH = '/control/api/v1';

const MAX_BYTES = 16 * 1024;
const cap = (v: unknown, n = 120): string | null => (typeof v === 'string' && v !== '' ? v.slice(0, n) : Buffer.isBuffer(v) ? v.toString('utf8').slice(0, n) : null);

/** Is this `_http._tcp` advertisement a Blackmagic Camera phone (TXT capabilities=cameraControl)? */
export function isPhoneTxt(txt: unknown): boolean {
  return cap((txt as Record<string, unknown> | undefined)?.capabilities) === 'cameraControl';
}

/** What the TXT record says, as a node info: device_id is the identity. */
export function phoneInfoFromTxt(txt: unknown, instance: string | null): NodeInfo | null {
  const t = (txt ?? {}) as Record<string, unknown>;
  const id = cap(t.device_id, 64) ?? cap(t['unique id'], 64) ?? cap(instance, 64);
  if (!id) return null;
  const cameraName = cap(t['camera name'], 20);
  return {
    id, name: cameraName ? `Cam ${cameraName}` : (cap(t['device name']) ?? id), role: 'camera', model: cap(t.model) ?? cap(t['device name']) ?? undefined,
    appVersion: cap(t.version, 40) ?? undefined, api: 1, kind: 'blackmagic', deviceId: id, cameraName,
  };
}

/** `GET /control/api/v1/system/product` over HTTPS (self-signed accepted), with the certificate's SHA-256; null when no phone answers. */
export function fetchPhoneProduct({ ip, port = PHONE_PORT, apiPath = PHONE_API_PATH, timeoutMs = 1500 }: { ip: string; port?: number; apiPath?: string; timeoutMs?: number }): Promise<{ productName: string | null; deviceName: string | null; softwareVersion: string | null; certSha256: string | null } | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: Awaited<ReturnType<typeof fetchPhoneProduct>>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(v);
    };
    // Discovery only reads who answers; nothing is sent to it and no later connection relies on this.
    const req = request({ host: ip, port, path: `${apiPath}/system/product`, method: 'GET', agent: false, ...PIN_NOT_CA, headers: { accept: 'application/json' } }, (res) => {
      const fp = (res.socket as TLSSocket).getPeerCertificate?.()?.fingerprint256 ?? null;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BYTES) return void req.destroy();
        chunks.push(c);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return finish(null);
        try {
          const o = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          finish({ productName: cap(o.productName), deviceName: cap(o.deviceName), softwareVersion: cap(o.softwareVersion, 40), certSha256: fp });
        } catch {
          finish(null);
        }
      });
      res.on('error', () => finish(null));
    });
    // Real time on purpose: this bounds a real socket (a fake clock would leave a hung peer hanging).
    const timer = setTimeout(() => {
      req.destroy();
      finish(null);
    }, timeoutMs);
    req.on('error', () => finish(null));
    req.end();
  });
}

/** Node info of a phone found by address only (scan, .local prober): the product answer, keyed by ip. */
export function phoneInfoFromProduct(ip: string, p: NonNullable<Awaited<ReturnType<typeof fetchPhoneProduct>>>): NodeInfo {
  const name = p.deviceName ? `Cam ${p.deviceName}` : ip;
  return { id: `phone-${ip.replace(/[.:]/g, '-')}`, name, role: 'camera', model: p.productName ?? undefined, appVersion: p.softwareVersion ?? undefined, api: 1, kind: 'blackmagic', cameraName: p.deviceName, certSha256: p.certSha256 };
}
