import { rpc } from '../api';
import type { KeyPair } from '../types';
import { download, uuid } from '../util';

/** CreateKeyPair; the private key is in this reply only: it downloads once as NAME.pem. */
export async function createKeyPair(name: string, type: string): Promise<KeyPair> {
  const kp = await rpc<KeyPair>('compute', 'CreateKeyPair', { name, type, request_id: uuid() });
  if (kp.private_key) download(`${name}.pem`, kp.private_key.endsWith('\n') ? kp.private_key : kp.private_key + '\n');
  return { ...kp, private_key: '' };
}

export function importKeyPair(name: string, publicKey: string): Promise<KeyPair> {
  return rpc<KeyPair>('compute', 'ImportKeyPair', { name, public_key: publicKey.trim(), request_id: uuid() });
}

export const KEY_NAME_RE = /^[A-Za-z0-9 _.@-]{1,255}$/;
export function keyNameError(name: string): string | null {
  if (!name.trim()) return 'Key pair name is required.';
  if (!KEY_NAME_RE.test(name)) return 'Key pair names may only contain letters, digits, spaces and _ . - @ (at most 255).';
  return null;
}
