import { it } from 'vitest';
import { failingSuite } from '../shared/failing-handler';

failingSuite({ it });
