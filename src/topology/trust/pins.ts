/**
 * Trust on first use for every https peer: THE one rule. The first certificate
 * a device's https service shows is pinned (SHA-256 of the DER, per device and
 * service: a phone's address changes, its identity does not). Every later
 * connection (probes, the Blackmagic WebSocket, commands, the reach relay,
 * previews) goes through `agent()`, whose sockets are handed to a request only
 * after the handshake showed the pinned certificate; so no byte of a request
 * reaches a peer with another one. CA chains and host names are not consulted:
 * LAN devices carry self-signed certificates, the pin is the identity.
 */
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls, { type PeerCertificate } from 'node:tls';
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import type { Db } from '../store/db.ts';
import { certPins } from '../store/schema.ts';
import { AlertWriter } from '../alerts/alert-writer.ts';

/** One pin as the API and the panel show it. */
export interface CertPin {
  deviceId: string;
  service: string;
  fingerprint: string;
  pinnedAt: string;
  /** A different certificate met since the pin (possible impersonation), until re-trusted. */
  seenFingerprint: string | null;
  seenAt: string | null;
}

/** A connection refused because the certificate is not the pinned one. */
export class CertificateChangedError extends Error {
  readonly code = 'CERTIFICATE_CHANGED';
  constructor(readonly pin: CertPin, readonly seen: string) {
    super(`certificate of ${pin.deviceId} (${pin.service}) changed: pinned ${pin.fingerprint}, now ${seen}; possible impersonation, nothing sent. An operator re-trusts with \`rigmap device trust ${pin.deviceId}\``);
  }
}

/** The AA:BB:… form of a SHA-256 (32 bytes). */
export const FINGERPRINT = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;

/** SHA-256 fingerprint in the usual AA:BB:… form. */
export function fingerprintOf(cert: Pick<PeerCertificate, 'raw'>): string {
  return sha256(cert.raw);
}

function sha256(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/** Pins of one database, shared by every connection of this process. */
export class TrustStore {
  /** deviceId\tservice → whether a different certificate has been met (for path state, read often). */
  private readonly mismatched = new Set<string>();

  constructor(private readonly ctx: Ctx) {
    this.refresh();
  }

  /** Re-read which pins are contested (another process may have re-trusted). */
  refresh(): void {
    this.mismatched.clear();
    for (const p of this.list()) if (p.seenFingerprint) this.mismatched.add(`${p.deviceId}\t${p.service}`);
  }

  /** True when this device's service showed a certificate other than its pin (path state `untrusted`). */
  isUntrusted(deviceId: string, service: string): boolean {
    return this.mismatched.has(`${deviceId}\t${service}`);
  }

  /** Every pin, or one device's. */
  list(deviceId?: string): CertPin[] {
    const q = this.ctx.db.select().from(certPins);
    return (deviceId ? q.where(eq(certPins.deviceId, deviceId)) : q).all();
  }

  /** Judge one certificate: pin it at first contact, accept the pin, refuse (and alert once) any other. */
  verify(deviceId: string, service: string, fingerprint: string): CertificateChangedError | null {
    const db: Db = this.ctx.db;
    const where = and(eq(certPins.deviceId, deviceId), eq(certPins.service, service));
    const pin = db.select().from(certPins).where(where).get();
    const now = new Date().toISOString();
    if (!pin) {
      // A device removed meanwhile has no row to pin to (foreign key): refuse quietly rather than throw in a socket callback.
      try {
        db.insert(certPins).values({ deviceId, service, fingerprint, pinnedAt: now }).onConflictDoNothing().run();
      } catch {
        return null;
      }
      return null;
    }
    if (pin.fingerprint === fingerprint) return null;
    if (pin.seenFingerprint !== fingerprint) db.update(certPins).set({ seenFingerprint: fingerprint, seenAt: now }).where(where).run();
    const firstTime = !this.mismatched.has(`${deviceId}\t${service}`);
    this.mismatched.add(`${deviceId}\t${service}`);
    const alerts = new AlertWriter(this.ctx);
    if (firstTime || !alerts.find('certificate_changed', deviceId)) {
      alerts.raise({
        kind: 'certificate_changed', deviceId, network: null, severity: 'critical',
        message: `${alerts.name(deviceId)}: certificate changed on ${service} (pinned ${pin.fingerprint}, now ${fingerprint}): possible impersonation; no command is sent until an operator re-trusts it`,
      });
    }
    return new CertificateChangedError({ ...pin, seenFingerprint: fingerprint, seenAt: now }, fingerprint);
  }

  /**
   * Pin a certificate rigmap itself read before the device existed (discovery's
   * HTTPS check, at accept): the pin holds from the first probe on, so a
   * certificate swapped between sighting and first probe is caught. An
   * existing pin is kept. Returns the pin, or null for a malformed fingerprint.
   */
  pinSeen(deviceId: string, service: string, fingerprint: string): CertPin | null {
    if (!FINGERPRINT.test(fingerprint)) return null;
    this.ctx.db.insert(certPins).values({ deviceId, service, fingerprint, pinnedAt: new Date().toISOString() }).onConflictDoNothing().run();
    return this.list(deviceId).find((p) => p.service === service) ?? null;
  }

  /**
   * Re-trust a device: pin the certificate it shows now on every contested
   * service, resolve `certificate_changed`. Returns the pins after.
   */
  trust(deviceId: string): { changed: CertPin[]; pins: CertPin[] } {
    const changed = this.list(deviceId).filter((p) => p.seenFingerprint);
    const now = new Date().toISOString();
    for (const p of changed) {
      this.ctx.db.update(certPins).set({ fingerprint: p.seenFingerprint!, pinnedAt: now, seenFingerprint: null, seenAt: null })
        .where(and(eq(certPins.deviceId, deviceId), eq(certPins.service, p.service))).run();
      this.mismatched.delete(`${deviceId}\t${p.service}`);
    }
    const alerts = new AlertWriter(this.ctx);
    const open = alerts.find('certificate_changed', deviceId);
    if (open) alerts.resolve(open, `${alerts.name(deviceId)}: certificate re-trusted by an operator`);
    return { changed, pins: this.list(deviceId) };
  }

  /** An https agent whose connections to this device's service hold to its pin. */
  agent({ deviceId, service, keepAlive = false, maxSockets }: { deviceId: string; service: string; keepAlive?: boolean; maxSockets?: number }): https.Agent {
    return new PinnedAgent(this, deviceId, service, { keepAlive, ...(maxSockets ? { maxSockets, maxFreeSockets: maxSockets } : {}) });
  }
}

/**
 * TLS options for a peer whose identity is its pinned fingerprint, not a CA
 * (self-signed certificates are the norm on a rig's LAN): the one place the CA
 * check is switched off. The caller checks the fingerprint (PinnedAgent), or
 * only records it and sends nothing that matters (discovery).
 */
export const PIN_NOT_CA: Pick<tls.ConnectionOptions, 'rejectUnauthorized' | 'checkServerIdentity'> = {
  rejectUnauthorized: false,
  checkServerIdentity: () => undefined,
};

type Oncreate = (err: Error | null, socket: Duplex) => void;

/** An https.Agent that hands a socket to its request only once the peer showed the pinned certificate. */
class PinnedAgent extends https.Agent {
  constructor(private readonly store: TrustStore, private readonly deviceId: string, private readonly service: string, opts: https.AgentOptions) {
    super(opts);
  }

  override createConnection(options: https.RequestOptions, oncreate?: Oncreate): Duplex | undefined {
    const socket = tls.connect({ ...(options as tls.ConnectionOptions), ...PIN_NOT_CA });
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      if (err) {
        socket.destroy();
        oncreate?.(err, socket);
      } else oncreate?.(null, socket);
    };
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      if (!cert?.raw) return finish(new Error(`${this.deviceId} (${this.service}) showed no certificate`));
      // A handshake that finishes while rigmap shuts down (database closed) cannot be judged: refused, never thrown out of the socket callback.
      let verdict: Error | null;
      try {
        verdict = this.store.verify(this.deviceId, this.service, sha256(cert.raw));
      } catch (err) {
        verdict = new Error(`${this.deviceId} (${this.service}): certificate not checked (${(err as Error).message})`);
      }
      finish(verdict);
    });
    socket.once('error', (err) => finish(err));
    return undefined;
  }
}

const stores = new WeakMap<Db, TrustStore>();

/** The trust store of this database (made on first use, one per database, so every caller shares one rule). */
export function trustOf(ctx: Ctx): TrustStore {
  let s = stores.get(ctx.db);
  if (!s) stores.set(ctx.db, (s = new TrustStore({ db: ctx.db, bus: ctx.bus })));
  return s;
}
