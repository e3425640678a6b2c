import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { Command, Query } from '../../src/kernel';

/*
 * Message classes for the differential validation test: every built-in decorator the library, its
 * docs and its examples use (IsString, IsInt, IsBoolean, IsIn, IsObject, IsArray, IsOptional,
 * Min, Max, MinLength, MaxLength, Matches, ArrayMinSize, ArrayMaxSize, ValidateIf, ValidateNested,
 * Allow, with class-transformer's @Type), alone, with `each: true`, with custom messages, nested
 * and inherited.
 */

export class Part {
  @IsString()
  @MinLength(2)
  @MaxLength(8)
  code!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(9)
  weight?: number;

  /** Required unless `code` is absent: the shape of the library's MachineReference. */
  @ValidateIf((part: Part) => part.code === undefined || part.alias !== undefined)
  @IsString()
  @MinLength(1)
  alias?: string;
}

export class Order extends Command<number> {
  @IsString()
  @Matches(/^[A-Z]{2}-\d+$/, { message: 'sku must look like AB-123' })
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(100, { message: (args) => `$property is at most $constraint1, got ${String(args.value)} on $target` })
  quantity!: number;

  @IsIn(['web', 'shop'])
  channel!: string;

  @IsOptional()
  @IsBoolean()
  gift?: boolean;

  @IsOptional()
  @IsObject()
  tags?: Record<string, string>;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @IsString({ each: true })
  @MaxLength(5, { each: true })
  notes?: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => Part)
  main?: Part;

  @IsArray()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => Part)
  parts!: Part[];

  @Allow()
  payload!: unknown;
}

/** Inherits every rule and overrides `quantity` (class-validator then drops the inherited rules of that property). */
export class RushOrder extends Order {
  @IsInt()
  @Min(10)
  override quantity!: number;

  @IsInt({ message: 'hours must be a whole number of hours' })
  @Min(1)
  hours!: number;
}

/** Nested without `@Type`: plain objects reach validation, and whitelisting rejects their keys. */
export class Untyped extends Query<void> {
  @ValidateNested()
  loose!: object;

  @ValidateNested({ each: true })
  looseList!: object[];
}

/** The classes the differential test drives, with a valid sample each. */
export const VALIDATION_FIXTURES = [
  { type: Order, sample: { sku: 'AB-12', quantity: 3, channel: 'web', parts: [{ code: 'xy' }, { alias: 'a' }], payload: 1 } },
  { type: RushOrder, sample: { sku: 'AB-12', quantity: 30, channel: 'shop', parts: [], hours: 2, gift: true, notes: ['a'] } },
  { type: Untyped, sample: { loose: {}, looseList: [] } },
] as const;
