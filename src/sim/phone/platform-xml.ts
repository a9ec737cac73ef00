/**
 * The simulator's reading of a custom livestream destination in Blackmagic
 * Streaming XML (`<streaming><service><name/><servers><server><name/><url/>
 * </server></servers><profiles><profile><name/><config …/></profile></profiles>
 * </service></streaming>`), as uploaded with PUT /livestreams/customPlatforms/
 * NAME.xml. Enough of the format to store and select a destination; anything
 * else is refused (400), as a phone refuses a file it cannot read.
 */

/** One stored custom destination. */
export interface CustomPlatform {
  /** The name the phone stores it under: `<service name> SRT`. */
  name: string;
  servers: { name: string; url: string }[];
  profiles: string[];
  xml: string;
}

const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&').trim();

const all = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]!);
const first = (xml: string, tag: string) => all(xml, tag)[0];

/** Parse an uploaded destination; null when it is not one the phone could use. */
export function parsePlatformXml(xml: string): CustomPlatform | null {
  if (xml.length > 16 * 1024 || !/^\s*(<\?xml[^>]*\?>\s*)?<streaming>/.test(xml)) return null;
  const service = first(xml, 'service');
  if (!service) return null;
  // The service's own name comes before its <servers>; server names are inside it.
  const head = service.split('<servers')[0] ?? '';
  const name = decode(first(head, 'name') ?? '');
  if (!name || name.length > 200) return null;
  const servers = all(first(service, 'servers') ?? '', 'server').map((s) => ({ name: decode(first(s, 'name') ?? ''), url: decode(first(s, 'url') ?? '') }))
    .filter((s) => s.name && s.url);
  if (!servers.length || servers.length > 16) return null;
  const profiles = all(first(service, 'profiles') ?? '', 'profile').map((p) => decode(first(p, 'name') ?? '')).filter(Boolean);
  const srt = servers.every((s) => s.url.startsWith('srt://'));
  return { name: srt ? `${name} SRT` : `${name} RTMP`, servers, profiles, xml };
}
