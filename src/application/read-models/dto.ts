import { Expose, instanceToPlain, plainToInstance, Transform, Type, type ClassConstructor } from 'class-transformer';

// Only @Expose()d fields cross the boundary, in both directions; no implicit conversion.
const OPTIONS = { strategy: 'excludeAll', enableImplicitConversion: false, exposeDefaultValues: true } as const;

/** A DTO field holding an instant: a `Date` in the DTO, an ISO-8601 string in plain form. */
export function IsoDate(): PropertyDecorator {
  const expose = Expose();
  const type = Type(() => Date);
  const toIso = Transform(({ value }) => (value instanceof Date ? value.toISOString() : value), { toPlainOnly: true });
  const fromIso = Transform(({ value }) => (typeof value === 'string' ? new Date(value) : value), { toClassOnly: true });
  return (target, key) => {
    expose(target, key);
    type(target, key as string);
    toIso(target, key as string);
    fromIso(target, key as string);
  };
}

/** Turns a DTO into plain JSON data (dates as ISO strings). */
export function toPlain<T extends object>(dto: T): Record<string, unknown> {
  return instanceToPlain(dto, OPTIONS) as Record<string, unknown>;
}

/** Builds a DTO of class `type` from plain data (ISO strings become dates); unknown keys are dropped. */
export function fromPlain<T extends object>(type: ClassConstructor<T>, plain: unknown): T {
  return plainToInstance(type, plain, OPTIONS) as T;
}
