/**
 * The simulated Blackmagic camera against the published API definitions
 * (test/fixtures/blackmagic/, see SOURCES.md): every path it answers exists
 * there with that method and status code, every body fits the response schema
 * (no field the schema does not name), and the event WebSocket's messages fit
 * the Notification definition. So the simulator cannot drift from the real API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { type ApiDoc, loadApiDoc, resolveRef, type Schema, validate } from '../helpers/openapi.ts';

const REST = ['TransportControl.yaml', 'MediaControl.yaml', 'SystemControl.yaml', 'CameraControl.yaml', 'EventControl.yaml', 'VideoControl.excerpt.yaml', 'SlateControl.excerpt.yaml'].map(loadApiDoc);
const NOTIFY = loadApiDoc('Notification.excerpt.yaml');
const BASE = '/control/api/v1';
let sim: SimRig;
let origin: string;

/** The definition of `method path`: its document and responses; fails when the API has no such operation. */
function operation(method: string, path: string): { doc: ApiDoc; responses: Record<string, { content?: Record<string, { schema: Schema }> }> } {
  for (const doc of REST) {
    const op = doc.paths?.[path]?.[method.toLowerCase()];
    if (op) return { doc, responses: op.responses };
  }
  throw new Error(`${method} ${path} is not in the published API definitions`);
}

/** Call the simulator and check the answer against the definition; returns the body. */
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${origin}${BASE}${path}`, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  const text = await res.text();
  const { doc, responses } = operation(method, path);
  const spec = responses[String(res.status)];
  expect(spec, `${method} ${path} answered ${res.status}, which the definition does not list (${Object.keys(responses).join(', ')})`).toBeDefined();
  const schema = spec!.content?.['application/json']?.schema;
  if (!schema) {
    expect(text, `${method} ${path} ${res.status} has no body in the definition`).toBe('');
    return { status: res.status, json: undefined };
  }
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const json: unknown = JSON.parse(text);
  expect(validate(doc, schema, json), `${method} ${path}: ${text}`).toEqual([]);
  return { status: res.status, json };
}

/** The schema of the GET answer of a property's path (a WebSocket value is that answer). */
function propertySchema(property: string): { doc: ApiDoc; schema: Schema } {
  const { doc, responses } = operation('GET', property);
  return { doc, schema: responses['200']!.content!['application/json']!.schema };
}

/** Properties the Notification definition lists by name. */
const LISTED = ((resolveRef(NOTIFY, '#/components/schemas/deviceProperty').enum ?? []) as Array<{ $ref: string }>).map((e) => {
  const [schemaRef] = e.$ref.split('/x-propertyName');
  return resolveRef(NOTIFY, schemaRef!)['x-propertyName'] as string;
});

beforeAll(async () => {
  sim = await startSimRig({ nodes: 0, blackmagic: 1, extras: false, lanCidr: '127.37.4.0/24', tailnetCidr: '127.137.4.0/24' });
  const n = sim.nodes[0]!;
  origin = `http://${n.lanIp}:${n.port}`;
}, 20_000);
afterAll(async () => sim?.close());

describe('simulated Blackmagic camera vs the published REST API', () => {
  it('answers every read rigmap makes (and a few more) as the definitions say', async () => {
    for (const path of ['/system/product', '/transports/0', '/transports/0/record', '/transports/0/stop', '/transports/0/timecode', '/media/workingset', '/media/active', '/camera/power', '/camera/tallyStatus', '/event/list']) {
      const { status } = await call('GET', path);
      expect(status, path).toBe(200);
    }
  });

  it('record, stop and tally: status codes and the state they leave, as defined', async () => {
    expect((await call('POST', '/transports/0/record', { clipName: 'A001_C007.braw' })).status).toBe(204);
    expect((await call('GET', '/transports/0/record')).json).toEqual({ recording: true });
    expect((await call('GET', '/transports/0')).json).toEqual({ mode: 'InputRecord' });
    expect((await call('POST', '/transports/0/record', { clipName: 7 })).status).toBe(400);
    expect((await call('POST', '/transports/0/stop')).status).toBe(204);
    expect((await call('GET', '/transports/0/record')).json).toEqual({ recording: false });
    expect((await call('POST', '/transports/0/record')).status).toBe(204); // no body: device defaults
    expect((await call('PUT', '/transports/0/record', { recording: false })).status).toBe(204);
    expect((await call('PUT', '/camera/tallyStatus', { status: 'Preview', timeout: 1000 })).status).toBe(204);
    expect((await call('GET', '/camera/tallyStatus')).json).toEqual({ status: 'Preview' });
    expect((await call('PUT', '/camera/tallyStatus', { status: 'Blue' })).status).toBe(400);
  });

  it('the look: format, exposure, white balance and their supported lists, as defined', async () => {
    for (const path of ['/system/videoFormat', '/system/format', '/system/supportedVideoFormats', '/video/iso', '/video/supportedISOs', '/video/shutter', '/video/supportedShutters',
      '/video/whiteBalance', '/video/whiteBalance/description', '/video/whiteBalanceTint', '/video/autoExposure', '/slates/nextClip']) {
      expect((await call('GET', path)).status, path).toBe(200);
    }
    expect((await call('PUT', '/video/iso', { iso: 1600 })).status).toBe(204);
    expect((await call('GET', '/video/iso')).json).toEqual({ iso: 1600 });
    expect((await call('PUT', '/video/whiteBalance', { whiteBalance: 3200 })).status).toBe(204);
    expect((await call('PUT', '/video/whiteBalance', { whiteBalance: 12000 })).status).toBe(400);
    expect((await call('PUT', '/video/whiteBalanceTint', { whiteBalanceTint: 5 })).status).toBe(204);
    expect((await call('PUT', '/system/videoFormat', { name: '1920x1080p25' })).status).toBe(204);
    expect((await call('GET', '/system/videoFormat')).json).toMatchObject({ name: '1920x1080p25', width: 1920, height: 1080 });
    // Auto exposure on: ISO is locked (403); the shutter takes the write with no effect (204), as the definition says.
    expect((await call('PUT', '/video/autoExposure', { mode: 'Continuous' })).status).toBe(204);
    expect((await call('PUT', '/video/iso', { iso: 800 })).status).toBe(403);
    expect((await call('PUT', '/video/shutter', { shutterSpeed: 100 })).status).toBe(204);
    expect((await call('GET', '/video/shutter')).json).toEqual({ shutterSpeed: 50, continuousShutterAutoExposure: true });
    expect((await call('PUT', '/video/autoExposure', { mode: 'Off' })).status).toBe(204);
    const slate = await call('PUT', '/slates/nextClip', { clip: { scene: '12A', take: 3, reel: 1 } });
    expect(slate.status).toBe(200);
    expect(slate.json).toMatchObject({ clip: { scene: '12A', take: 3, reel: 1 } });
    expect((await call('PUT', '/slates/nextClip', { clip: { take: 100 } })).status).toBe(400);
    await call('PUT', '/system/videoFormat', { name: '1920x1080p60' });
  });

  it('a path the API does not have is 404', async () => {
    const res = await fetch(`${origin}${BASE}/no/such/thing`);
    expect(res.status).toBe(404);
    await res.text();
  });

  it('the event WebSocket speaks the Notification definition', async () => {
    const ws = new WebSocket(`ws://${origin.slice('http://'.length)}${BASE}/event/websocket`);
    const messages: unknown[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const wanted = ['/system/product', '/transports/0/record', '/media/workingset', '/transports/0/timecode', '/camera/power'];
    ws.send(JSON.stringify({ type: 'request', id: 7, data: { action: 'subscribe', properties: wanted } }));
    const until = Date.now() + 10_000;
    while (messages.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const [opened, response] = messages as Array<{ type: string; id?: number; data: { action: string; properties: string[]; values: Record<string, unknown>; success: boolean } }>;
    const payload = (name: string) => resolveRef(NOTIFY, `#/components/messages/${name}`).payload as Schema;
    expect(validate(NOTIFY, payload('websocketOpenedMessage'), opened)).toEqual([]);
    // The envelope against responseMessage; each value against the GET answer of its property.
    const { values, ...envelope } = response!.data;
    expect(validate(NOTIFY, payload('responseMessage'), { ...response, data: envelope })).toEqual([]);
    expect(response).toMatchObject({ type: 'response', id: 7, data: { action: 'subscribe', success: true } });
    expect(Object.keys(values).sort()).toEqual([...wanted].sort());
    for (const [property, value] of Object.entries(values)) {
      const { doc, schema } = propertySchema(property);
      expect(validate(doc, schema, value), property).toEqual([]);
    }
    // A change pushes propertyValueChanged events for subscribed properties.
    await call('POST', '/transports/0/record');
    const event = await (async () => {
      while (Date.now() < until) {
        const e = (messages as Array<{ type: string; data: { action: string; property: string; value: unknown } }>).find((m) => m.type === 'event' && m.data.property === '/transports/0/record');
        if (e) return e;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('no propertyValueChanged event for /transports/0/record');
    })();
    const { value, ...eventData } = event.data;
    expect(validate(NOTIFY, payload('eventMessage'), { ...event, data: eventData })).toEqual([]);
    expect(validate(NOTIFY, resolveRef(NOTIFY, '#/components/schemas/Record'), value)).toEqual([]);
    expect(value).toEqual({ recording: true });
    // Every property pushed is one the definition names (or /camera/power, which its pattern ".*" allows).
    for (const m of messages as Array<{ type: string; data: { property?: string } }>) {
      if (m.data.property) expect([...LISTED, '/camera/power']).toContain(m.data.property);
    }
    await call('POST', '/transports/0/stop');
    ws.close();
  });

  it('the validator catches drift: a field the API does not have, or a wrong type', () => {
    const { doc, schema } = propertySchema('/system/product');
    expect(validate(doc, schema, { deviceName: 'A', productName: 'B', softwareVersion: '1', serial: 'x' })).toEqual(['$.serial: not a field of the schema']);
    expect(validate(doc, schema, { deviceName: 1 })).toEqual(['$.deviceName: expected a string, got 1']);
    const media = propertySchema('/media/workingset');
    expect(validate(media.doc, media.schema, { size: 1, workingset: [{ remainingRecordTime: 5 }] })).toEqual(['$.workingset[0]: required field "deviceName" missing']);
  });
});
