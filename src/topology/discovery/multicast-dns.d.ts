/** The part of multicast-dns (no published types) that rigmap uses. */
declare module 'multicast-dns' {
  import type { EventEmitter } from 'node:events';

  export interface MdnsRecord {
    name: string;
    type: string;
    ttl?: number;
    class?: string;
    flush?: boolean;
    data?: unknown;
  }
  export interface MdnsPacket {
    type: 'query' | 'response';
    questions: Array<{ name: string; type: string }>;
    answers: MdnsRecord[];
    additionals: MdnsRecord[];
    authorities: MdnsRecord[];
  }
  export interface MdnsOptions {
    interface?: string;
    bind?: string | false;
    port?: number;
    multicast?: boolean;
    ttl?: number;
    loopback?: boolean;
    reuseAddr?: boolean;
    ip?: string;
    type?: 'udp4' | 'udp6';
  }
  export interface MulticastDns extends EventEmitter {
    query(name: string, type: string, cb?: (err: Error | null) => void): void;
    query(packet: { questions: Array<{ name: string; type: string }> }, cb?: (err: Error | null) => void): void;
    respond(packet: { answers: MdnsRecord[]; additionals?: MdnsRecord[] }, cb?: (err: Error | null) => void): void;
    destroy(cb?: () => void): void;
  }
  export default function multicastDns(opts?: MdnsOptions): MulticastDns;
}
