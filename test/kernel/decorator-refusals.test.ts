import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { eventHandler, Inject } from '../../src/kernel';

// The decorators refuse at once what no kernel could honour, rather than leaving a class no kernel builds.

describe('handler decorators', () => {
  it('refuse @eventHandler() without an event type, also when given only options', () => {
    expect(() => eventHandler()).toThrow(new TypeError('@eventHandler() needs at least one event type'));
    expect(() => eventHandler({ durable: true })).toThrow(TypeError);
  });

  it('refuse @Inject() without a token: undefined, null, a number or a boolean', () => {
    for (const token of [undefined, null, 42, true]) {
      expect(() => Inject(token as never)).toThrow(new TypeError('Inject() needs a token: a typedi Token, a string id, a class, or () => Class.'));
    }
    expect(() => Inject('a string id')).not.toThrow();
  });

  it('refuse @Inject() on a property, a method parameter or an instance', () => {
    class Holder {}
    const decorate = Inject('token');
    expect(() => decorate(Holder, 'field', 0)).toThrow(TypeError);
    expect(() => decorate(Holder.prototype, undefined, 0)).toThrow(TypeError);
    expect(() => decorate(Holder, undefined, undefined as never)).toThrow(TypeError);
    expect(() => decorate(Holder, undefined, 0)).not.toThrow();
  });
});
