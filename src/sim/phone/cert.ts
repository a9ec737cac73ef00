/**
 * A self-signed certificate per simulated phone, like the Blackmagic Camera
 * app's (issuer O=Blackmagic Design). Made with the openssl CLI at first use
 * and cached in the temp dir, so a restart of the simulator keeps the same
 * certificate (and fingerprint) for the same phone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PEM key and certificate. */
export interface PhoneCert {
  key: string;
  cert: string;
}

const DIR = join(tmpdir(), 'rigmap-sim-phone-certs');

/** The certificate of the phone with `uuid` (created once, then read from the cache). */
export function phoneCert(uuid: string): PhoneCert {
  const safe = uuid.replace(/[^A-Za-z0-9-]/g, '').slice(0, 64) || 'phone';
  mkdirSync(DIR, { recursive: true });
  const keyFile = join(DIR, `${safe}.key`);
  const certFile = join(DIR, `${safe}.crt`);
  if (!existsSync(keyFile) || !existsSync(certFile)) {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650',
      '-subj', `/O=Blackmagic Design/CN=${safe}`, '-keyout', keyFile, '-out', certFile,
    ], { stdio: 'ignore', timeout: 10_000 });
  }
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
}
