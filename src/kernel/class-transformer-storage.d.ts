// class-transformer ships no declarations beside its CommonJS files; `instance-plan.ts` checks the
// storage's shape at run time, so it is typed `unknown` here.
declare module 'class-transformer/cjs/storage.js' {
  export const defaultMetadataStorage: unknown;
}
