import { it } from '@jest/globals';
import { failingSuite } from '../shared/failing-handler';

failingSuite({ it });
