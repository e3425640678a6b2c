import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsString, Validate, ValidateNested, ValidatePromise, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { Command, ValidationError } from '../../src/kernel';
import { planOf } from '../../src/kernel/validation/plan';

// Plans are built once per class and kept: every class here is declared inside its test, so each
// run builds its plan afresh.

@ValidatorConstraint({ name: 'remoteCheck', async: true })
class RemoteCheck implements ValidatorConstraintInterface {
  async validate(): Promise<boolean> {
    return true;
  }
}

/** The issues `from()` reports for `plain`, as "path constraint", or 'valid'. */
function issuesOf(type: { from(plain: unknown): unknown }, plain: unknown): string[] | 'valid' {
  try {
    type.from(plain);
    return 'valid';
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.issues.map((issue) => `${issue.path} ${issue.constraint}`);
  }
}

describe('validation plans', () => {
  it('compile a class whose property is only validated as nested, and report the nested problems from the plan', () => {
    class Address {
      @IsString() city!: string;
    }
    class Move extends Command<void> {
      @ValidateNested()
      @Type(() => Address)
      to!: Address;
    }
    // The first validation of a class goes to class-validator, the second to its plan.
    expect(issuesOf(Move, { to: { city: 5 } })).toEqual(['to.city isString']);
    expect(planOf(Move).kind).toBe('compiled');
    expect(issuesOf(Move, { to: { city: 5 } })).toEqual(['to.city isString']);
    expect(issuesOf(Move, { to: { city: 'Lyon' } })).toBe('valid');
  });

  it('use direct tests for isBoolean, isArray and isIn', () => {
    class Survey extends Command<void> {
      @IsBoolean() anonymous!: boolean;
      @IsArray() answers!: unknown[];
      @IsIn(['web', 'mail']) channel!: string;
    }
    const plan = planOf(Survey);
    if (plan.kind !== 'compiled') throw new Error(plan.reason);
    const direct = Object.fromEntries(plan.properties.map((p) => [p.name, p.rules.filter((r) => r.test !== undefined).map((r) => r.type)]));
    expect(direct).toEqual({ anonymous: ['isBoolean'], answers: ['isArray'], channel: ['isIn'] });
    const tests = Object.fromEntries(plan.properties.map((p) => [p.name, p.tests]));
    expect([tests.anonymous?.[0]?.(false), tests.answers?.[0]?.([]), tests.channel?.[0]?.('mail')]).toEqual([true, true, true]);
    expect([tests.anonymous?.[0]?.('false'), tests.answers?.[0]?.({}), tests.channel?.[0]?.('fax')]).toEqual([false, false, false]);
  });

  describe('fall back to class-validator, naming the class, the property and why', () => {
    it('for @ValidatePromise', () => {
      class Later extends Command<void> {
        @ValidatePromise()
        @IsString()
        name!: string;
      }
      expect(planOf(Later)).toEqual({ kind: 'fallback', reason: 'Later.name: @ValidatePromise awaits the value' });
    });

    it('for a rule whose constraint class is missing (undefined at decoration, as with a circular import)', () => {
      class Voucher extends Command<void> {
        @Validate(undefined as never)
        code!: string;
      }
      expect(planOf(Voucher)).toEqual({ kind: 'fallback', reason: 'Voucher.code: rule "unnamed" has 0 constraint implementations' });
    });

    it('for an asynchronous constraint, on an anonymous class too', () => {
      class Account extends Command<void> {
        @Validate(RemoteCheck)
        login!: string;
      }
      expect(planOf(Account)).toEqual({ kind: 'fallback', reason: 'Account.login: rule "remoteCheck" is asynchronous' });
      const [Anonymous] = [class extends Command<void> {}];
      Validate(RemoteCheck)(Anonymous.prototype, 'login');
      expect(Anonymous.name).toBe('');
      expect(planOf(Anonymous)).toEqual({ kind: 'fallback', reason: 'an anonymous class.login: rule "remoteCheck" is asynchronous' });
    });
  });
});
