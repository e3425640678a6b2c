// The command every dispatch bench sends: four fields under seven class-validator rules. Defined by a
// function so that each child process declares it after whatever else it must declare first.
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsString, Max, Min, MinLength, ValidateNested } from 'class-validator';
import { Command } from '../../dist/index.js';

/** Declares a fresh `PlaceOrder` command class (valid by default; `fields` override the defaults). */
export function definePlaceOrder() {
  class PlaceOrder extends Command {
    constructor(fields = {}) {
      super();
      Object.assign(this, { sku: 'SKU-1', quantity: 3, channel: 'web', gift: false }, fields);
    }
  }
  IsString()(PlaceOrder.prototype, 'sku');
  MinLength(3)(PlaceOrder.prototype, 'sku');
  IsInt()(PlaceOrder.prototype, 'quantity');
  Min(1)(PlaceOrder.prototype, 'quantity');
  Max(100)(PlaceOrder.prototype, 'quantity');
  IsIn(['web', 'shop'])(PlaceOrder.prototype, 'channel');
  IsBoolean()(PlaceOrder.prototype, 'gift');
  return PlaceOrder;
}

/**
 * Declares a `PlaceOrderLines` command with nested arrays: a customer id and one to twenty order lines,
 * each a validated `OrderLine` (`@ValidateNested({ each: true })` + `@Type`), each line with tags.
 */
export function definePlaceOrderLines() {
  class OrderLine {}
  IsString()(OrderLine.prototype, 'sku');
  MinLength(3)(OrderLine.prototype, 'sku');
  IsInt()(OrderLine.prototype, 'quantity');
  Min(1)(OrderLine.prototype, 'quantity');
  IsArray()(OrderLine.prototype, 'tags');
  IsString({ each: true })(OrderLine.prototype, 'tags');
  class PlaceOrderLines extends Command {}
  IsString()(PlaceOrderLines.prototype, 'customer');
  IsArray()(PlaceOrderLines.prototype, 'lines');
  ArrayMinSize(1)(PlaceOrderLines.prototype, 'lines');
  ArrayMaxSize(20)(PlaceOrderLines.prototype, 'lines');
  ValidateNested({ each: true })(PlaceOrderLines.prototype, 'lines');
  Type(() => OrderLine)(PlaceOrderLines.prototype, 'lines');
  return PlaceOrderLines;
}
