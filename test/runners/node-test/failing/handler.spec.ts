import { it } from 'node:test';
import { failingSuite } from '../shared/failing-handler.ts';

failingSuite({ it });
