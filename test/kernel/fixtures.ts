import 'reflect-metadata';
import { IsInt, IsString, Min, MinLength } from 'class-validator';
import { Token } from 'typedi';
import { Command, Query } from '../../src/kernel';

/** A port the test handlers depend on, bound per kernel. */
export interface Greeter {
  greet(name: string): string;
}
export const GREETER = new Token<Greeter>('test.greeter');

export class Greet extends Command<string> {
  @IsString()
  @MinLength(1)
  name!: string;

  static of(name: string): Greet {
    return Object.assign(new Greet(), { name });
  }
}

export class CountLetters extends Query<number> {
  @IsString()
  text!: string;

  @IsInt()
  @Min(0)
  offset = 0;
}
