import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsDate, IsInt } from 'class-validator';
import { describe, expect, it, vi } from 'vitest';
import { compiledInstance, NOT_COMPILED } from '../../src/kernel/instance-plan';
import { Command } from '../../src';

// class-transformer's storage with another shape (another version, or a second copy loaded by a
// bundler, where the decorators write elsewhere): the compiled build must step aside, never guess.
vi.mock('class-transformer/cjs/storage.js', () => ({ defaultMetadataStorage: { _typeMetadatas: new Map(), _transformMetadatas: new Map(), _exposeMetadatas: new Map(), _excludeMetadatas: new Map(), getAncestors: () => [] } }));

describe('the compiled build when class-transformer\'s storage is not the one its decorators write to', () => {
  it('hands every message to plainToInstance, and X.from() still builds it', () => {
    class Booked extends Command<void> {
      declare readonly at: Date;
      declare readonly seats: number;
    }
    Type(() => Date)(Booked.prototype, 'at');
    IsDate()(Booked.prototype, 'at');
    IsInt()(Booked.prototype, 'seats');
    expect(compiledInstance(Booked, { seats: 2 })).toBe(NOT_COMPILED);
    const booked = Booked.from({ at: '2026-12-06T10:00:00Z', seats: 2 } as never);
    expect(booked.at).toBeInstanceOf(Date);
    expect(booked.at.toISOString()).toBe('2026-12-06T10:00:00.000Z');
  });
});
