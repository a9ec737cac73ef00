/** The camera-node contract (iPhones, `rigmap sim`) as a camera protocol: SSE + /status probe, POST /commands. */
import { CameraNodeRunner } from '../probes/camera-node.ts';
import { openNodeRequest, readBody } from '../relay/node-request.ts';
import { readNodeSettings, writeNodeSetting } from './camera-node-settings.ts';
import type { CameraProtocol } from './protocol.ts';

/** Camera-node contract v1 (docs/camera-node-contract.md). */
export const cameraNodeProtocol: CameraProtocol = {
  name: 'camera-node',
  label: 'camera-node contract',
  createRunner: (deps) => new CameraNodeRunner(deps),
  readSettings: readNodeSettings,
  writeSetting: writeNodeSetting,
  async sendCommand({ path, body, signal, timeoutMs }) {
    const res = await openNodeRequest({ path, method: 'POST', pathAndQuery: `${path.basePath}/commands`, body, signal, connectTimeoutMs: Math.min(3000, timeoutMs) });
    const text = (await readBody(res, 64 * 1024)).toString('utf8');
    const status = res.statusCode ?? null;
    let json: { ok?: unknown; state?: unknown; error?: { message?: unknown } } | null = null;
    try {
      json = JSON.parse(text);
    } catch {
      return { ok: false, status, state: null, error: `the node answered something that is not JSON (HTTP ${status})` };
    }
    const state = typeof json?.state === 'string' ? json.state : null;
    if (status !== null && status < 300 && json?.ok === true) return { ok: true, status, state, error: null };
    const why = typeof json?.error?.message === 'string' ? json.error.message : `the node answered HTTP ${status}`;
    return { ok: false, status, state, error: why };
  },
};
