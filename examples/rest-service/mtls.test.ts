// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import * as x509 from '@peculiar/x509';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serveTestApp, token, type Served } from './test-harness';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

interface Issued {
  readonly cert: string;
  readonly key: string;
  readonly keys: CryptoKeyPair;
  readonly certificate: x509.X509Certificate;
}

async function pemKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

const notBefore = new Date(Date.now() - 60_000);
const notAfter = new Date(Date.now() + 86_400_000);

/** A certificate authority made for this test run. */
async function authority(name: string): Promise<Issued> {
  const keys = await keyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return { cert: certificate.toString('pem'), key: await pemKey(keys.privateKey), keys, certificate };
}

/** A leaf certificate signed by `ca`, for a server (127.0.0.1) or a client. */
async function leaf(ca: Issued, name: string, usage: 'server' | 'client'): Promise<Issued> {
  const keys = await keyPair();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
  ];
  if (usage === 'server') extensions.push(new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]));
  const certificate = await x509.X509CertificateGenerator.create({
    subject: `CN=${name}`,
    issuer: ca.certificate.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    extensions,
  });
  return { cert: certificate.toString('pem'), key: await pemKey(keys.privateKey), keys, certificate };
}

/** GET over HTTPS trusting `ca`, with an optional client certificate. Rejects when the handshake fails. */
function get(url: string, ca: string, client: Issued | undefined, bearer: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const call = httpsRequest(url, { ca, ...(client === undefined ? {} : { cert: client.cert, key: client.key }), headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    call.on('error', reject);
    call.end();
  });
}

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

let ca: Issued;
let server: Issued;
let client: Issued;
let stranger: Issued;
beforeAll(async () => {
  ca = await authority('hostfactory test CA');
  server = await leaf(ca, '127.0.0.1', 'server');
  client = await leaf(ca, 'symphony-host-1', 'client');
  stranger = await leaf(await authority('someone else'), 'intruder', 'client');
});

describe('REST security: optional mutual TLS', () => {
  it('completes the handshake only for a client certificate of the configured CA, and still requires a token', async () => {
    served = await serveTestApp({ app: { tls: { key: server.key, cert: server.cert, clientCa: ca.cert } } });
    const url = `${served.base}/api/v1/templates`;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    expect(await get(url, ca.cert, client, await token())).toBe(200);
    expect(await get(url, ca.cert, client, undefined)).toBe(401);
    await expect(get(url, ca.cert, undefined, await token())).rejects.toThrow();
    await expect(get(url, ca.cert, stranger, await token())).rejects.toThrow();
    expect(await served.hostFactory.storage.eventLog.head()).toBe(0);
  });
});
