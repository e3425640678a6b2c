import { Expose, instanceToPlain, plainToInstance, Transform, type ClassConstructor } from 'class-transformer';
import { cloneJson } from '../../domain/shared/json';

// Reading plain data, only @Expose()d fields cross the boundary; no implicit conversion. Writing a
// DTO out, every field it has is written (DTOs hold nothing else): `excludeAll` there would also
// empty the free-form JSON maps a @JsonField() copies, since class-transformer walks them again.
const FROM_PLAIN = { strategy: 'excludeAll', enableImplicitConversion: false, exposeDefaultValues: true } as const;
const TO_PLAIN = { strategy: 'exposeAll', enableImplicitConversion: false } as const;

/** A DTO field holding an instant: a `Date` in the DTO, an ISO-8601 string in plain form. */
export function IsoDate(): PropertyDecorator {
  const expose = Expose();
  const toIso = Transform(({ obj, key }) => {
    const value = (obj as Record<string, unknown>)[key];
    return value instanceof Date ? value.toISOString() : value;
  }, { toPlainOnly: true });
  const fromIso = Transform(({ obj, key }) => {
    const value = (obj as Record<string, unknown>)[key];
    return typeof value === 'string' ? new Date(value) : value instanceof Date ? new Date(value) : value;
  }, { toClassOnly: true });
  return (target, key) => {
    expose(target, key);
    toIso(target, key as string);
    fromIso(target, key as string);
  };
}

/**
 * A DTO field holding free-form JSON (a map of tags, attributes, provider configuration): copied as
 * it is in both directions, never turned into class instances or emptied by `excludeAll`.
 */
export function JsonField(): PropertyDecorator {
  const expose = Expose();
  const copy = Transform(({ obj, key }) => cloneJson((obj as Record<string, unknown>)[key]));
  return (target, key) => {
    expose(target, key);
    copy(target, key as string);
  };
}


/** Turns a DTO into plain JSON data (dates as ISO strings). */
export function toPlain<T extends object>(dto: T): Record<string, unknown> {
  return instanceToPlain(dto, TO_PLAIN) as Record<string, unknown>;
}

/** Builds a DTO of class `type` from plain data (ISO strings become dates); unknown keys are dropped. */
export function fromPlain<T extends object>(type: ClassConstructor<T>, plain: unknown): T {
  return plainToInstance(type, plain, FROM_PLAIN) as T;
}
