/**
 * Security headers on every answer (hono's secureHeaders): a CSP with no inline
 * script (the Vite bundle is one module file), no framing, no sniffing, no
 * referrer leaking node addresses. Snapshots come straight from the nodes'
 * own addresses, so images may load from http(s) anywhere; scripts and fetches
 * only from rigmap itself.
 */
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  // cytoscape and the views set element styles; no script can come from this.
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:', 'http:', 'https:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

const dashboardHeaders = secureHeaders({
  contentSecurityPolicy: CONTENT_SECURITY_POLICY,
  xFrameOptions: 'DENY',
  referrerPolicy: 'no-referrer',
  crossOriginEmbedderPolicy: false,
  // Node pages opened through the relay are separate documents; keep the default same-origin opener policy.
  strictTransportSecurity: false,
});

/** The same headers, leaving any the answer already has: a relayed node answer keeps the relay's own sandbox CSP. */
const relayHeaders = secureHeaders({
  contentSecurityPolicy: CONTENT_SECURITY_POLICY,
  xFrameOptions: 'DENY',
  referrerPolicy: 'no-referrer',
  crossOriginEmbedderPolicy: false,
  strictTransportSecurity: false,
  overwrite: false,
});

/** The middleware for every route, relay answers (node pages and relay errors alike) included. */
export const securityHeaders: MiddlewareHandler = (c, next) => (c.req.path.startsWith('/reach/') ? relayHeaders(c, next) : dashboardHeaders(c, next));
