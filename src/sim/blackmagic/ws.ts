/**
 * The simulated camera's event WebSocket (/control/api/v1/event/websocket), as
 * the published Notification definition describes it: a `websocketOpened`
 * event, subscribe / unsubscribe / listSubscriptions / listProperties requests
 * answered with `response` messages, and `propertyValueChanged` events for the
 * subscribed properties. Faults follow the path: down cuts, hang goes quiet
 * (no pongs either), garbage sends text that is not JSON.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { PathMode } from '../types.ts';
import { type BlackmagicCamera, SIM_PROPERTIES } from './camera.ts';
import { BASE } from './http.ts';

const MAX_SUBSCRIPTIONS = 64;

/** One camera's event WebSocket on one address. */
export class EventSocket {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024, perMessageDeflate: false });
  private readonly clients = new Map<WebSocket, { subs: Set<string>; socket: Duplex }>();
  private readonly parked = new Set<Duplex>();

  constructor(private readonly camera: BlackmagicCamera, private readonly mode: () => PathMode, private readonly enabled: boolean) {
    camera.listeners.add((property, value) => this.push(property, value));
  }

  /** The HTTP server's 'upgrade' listener. */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => {});
    const mode = this.mode();
    if (mode.mode === 'hang' || mode.mode === 'down') {
      this.parked.add(socket);
      socket.on('close', () => this.parked.delete(socket));
      return;
    }
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    if (!this.enabled || path !== `${BASE}/event/websocket`) {
      // A camera without the event WebSocket answers the upgrade as a plain request it does not know.
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const accept = () => this.wss.handleUpgrade(req, socket, head, (ws) => this.onOpen(ws, socket));
    if (mode.mode === 'slow') setTimeout(accept, mode.ms);
    else accept();
  };

  private onOpen(ws: WebSocket, socket: Duplex): void {
    this.clients.set(ws, { subs: new Set(), socket });
    ws.on('close', () => this.clients.delete(ws));
    ws.on('error', () => {});
    ws.on('message', (data) => this.onRequest(ws, data.toString()));
    this.send(ws, { type: 'event', data: { action: 'websocketOpened' } });
  }

  private onRequest(ws: WebSocket, text: string): void {
    const client = this.clients.get(ws);
    if (!client) return;
    let msg: { type?: unknown; id?: unknown; data?: { action?: unknown; properties?: unknown } };
    try {
      msg = JSON.parse(text);
    } catch {
      return this.send(ws, { type: 'response', data: { success: false } });
    }
    const id = typeof msg?.id === 'number' ? { id: msg.id } : {};
    const action = msg?.data?.action;
    const props = Array.isArray(msg?.data?.properties) ? msg.data.properties.filter((p): p is string => typeof p === 'string').slice(0, MAX_SUBSCRIPTIONS) : [];
    const now = Date.now();
    switch (action) {
      case 'subscribe': {
        // Only what this camera has is subscribed (and listed in the answer): a phone without tint leaves /video/whiteBalanceTint out.
        const known = props.filter((p) => SIM_PROPERTIES.includes(p) && this.camera.property(p, now) !== undefined);
        for (const p of known) client.subs.add(p);
        const values = Object.fromEntries(known.map((p) => [p, this.camera.property(p, now)]));
        return this.send(ws, { type: 'response', ...id, data: { action, properties: known, values, success: true } });
      }
      case 'unsubscribe':
        for (const p of props) client.subs.delete(p);
        return this.send(ws, { type: 'response', ...id, data: { action, properties: [...client.subs], success: true } });
      case 'listSubscriptions':
        return this.send(ws, { type: 'response', ...id, data: { action, properties: [...client.subs], success: true } });
      case 'listProperties':
        return this.send(ws, { type: 'response', ...id, data: { action, properties: SIM_PROPERTIES, success: true } });
      default:
        return this.send(ws, { type: 'response', ...id, data: { action: typeof action === 'string' ? action : null, success: false } });
    }
  }

  /** A property changed: tell every client subscribed to it. */
  push(property: string, value: unknown): void {
    for (const [ws, c] of this.clients) if (c.subs.has(property)) this.send(ws, { type: 'event', data: { action: 'propertyValueChanged', property, value } });
  }

  /** Once a second: the running timecode, and the path's fault on open sockets. */
  tick(now: number): void {
    const mode = this.mode().mode;
    if (mode === 'down') return this.cut();
    for (const [ws, c] of this.clients) {
      if (mode === 'hang') {
        // Quiet: nothing read (so no pongs), nothing sent.
        c.socket.pause();
        continue;
      }
      c.socket.resume();
      if (mode === 'garbage') ws.send('<html>not json');
      else if (c.subs.has('/transports/0/timecode')) this.send(ws, { type: 'event', data: { action: 'propertyValueChanged', property: '/transports/0/timecode', value: this.camera.timecode(now) } });
    }
  }

  /** Cut every open socket (the camera went away). */
  cut(): void {
    for (const ws of this.clients.keys()) ws.terminate();
    this.clients.clear();
    for (const s of this.parked) s.destroy();
    this.parked.clear();
  }

  get openCount(): number {
    return this.clients.size;
  }

  private send(ws: WebSocket, msg: unknown): void {
    if (this.mode().mode === 'hang') return;
    ws.send(this.mode().mode === 'garbage' ? '<html>not json' : JSON.stringify(msg));
  }
}
