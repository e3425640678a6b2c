import { failingSuite } from '../shared/failing-handler.ts';

failingSuite({ it });
