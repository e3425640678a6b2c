// The command every dispatch bench sends: four fields under seven class-validator rules. Defined by a
// function so that each child process declares it after whatever else it must declare first.
import { IsBoolean, IsIn, IsInt, IsString, Max, Min, MinLength } from 'class-validator';
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
