/**
 * `npm run example:rest:token -- --key FILE --tenant T --subject S --scope "a b" [--ttl SECONDS]`:
 * prints a token signed with the demo key `server.ts` wrote (demo mode only; a real deployment gets
 * tokens from its identity provider).
 */
import { parseArgs } from 'node:util';
import { mintWithKeyFile } from './server-config';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { key: { type: 'string' }, tenant: { type: 'string' }, subject: { type: 'string' }, scope: { type: 'string', default: '' }, ttl: { type: 'string', default: '3600' } },
  });
  const ttl = Number(values.ttl);
  if (!values.key || !values.tenant || !values.subject || !Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) {
    throw new Error('usage: --key FILE --tenant TENANT --subject SUBJECT [--scope "hostfactory:read ..."] [--ttl 1-86400 seconds]');
  }
  const scopes = values.scope.split(' ').filter((s) => s !== '');
  console.log(await mintWithKeyFile(values.key, { subject: values.subject, tenant: values.tenant, scopes, expiresInSeconds: ttl }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
