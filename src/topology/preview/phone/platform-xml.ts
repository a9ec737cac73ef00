/**
 * The livestream destination rigmap uploads to a phone, in Blackmagic
 * Streaming XML (solid174/obs-bmagicam docs/camera-api.md, "Livestream to
 * OBS"): one server, rigmap's SRT listener, and one small preview profile. The
 * phone stores it as `<service name> SRT`; later calls use that name.
 */

/** The service name rigmap uploads, and the name the phone stores it under. */
export const PREVIEW_SERVICE = 'rigmap preview';
export const PREVIEW_PLATFORM = `${PREVIEW_SERVICE} SRT`;
export const PREVIEW_SERVER = 'rigmap';
/** The preview profile: 720p at 2 Mbit/s (the phone may follow its own format instead). */
export const PREVIEW_PROFILE = { name: '720p preview', resolution: '720p', fps: 30, bitrate: 2_000_000, audioBitrate: 64_000 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The XML document for a listener at `url` (srt://address:port). */
export function previewPlatformXml(url: string): string {
  const p = PREVIEW_PROFILE;
  return `<?xml version="1.0" encoding="UTF-8"?>
<streaming>
 <service>
  <name>${esc(PREVIEW_SERVICE)}</name>
  <servers>
   <server>
    <name>${esc(PREVIEW_SERVER)}</name>
    <url>${esc(url)}</url>
   </server>
  </servers>
  <profiles default="${esc(p.name)}">
   <profile>
    <name>${esc(p.name)}</name>
    <config resolution="${p.resolution}" fps="${p.fps}" codec="H264">
     <bitrate>${p.bitrate}</bitrate>
     <audio-bitrate>${p.audioBitrate}</audio-bitrate>
    </config>
   </profile>
  </profiles>
 </service>
</streaming>
`;
}
