/** The Blackmagic Camera Control REST API (`/control/api/v1`) as a camera protocol. */
import type { CameraProtocol } from '../protocol.ts';
import { sendBlackmagicCommand } from './commands.ts';
import { readBlackmagicSettings, setBlackmagicSlate, writeBlackmagicSetting } from './settings.ts';
import { BlackmagicRunner } from './runner.ts';

/** Blackmagic cameras (PYXIS, URSA, Cinema and Studio cameras) over their REST API and event WebSocket. */
export const blackmagicProtocol: CameraProtocol = {
  name: 'blackmagic',
  label: 'Blackmagic REST API',
  createRunner: (deps) => new BlackmagicRunner(deps),
  sendCommand: sendBlackmagicCommand,
  readSettings: readBlackmagicSettings,
  writeSetting: writeBlackmagicSetting,
  setSlate: setBlackmagicSlate,
};
