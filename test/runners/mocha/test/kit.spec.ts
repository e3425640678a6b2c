import { kitSuite } from '../shared/kit-suite.ts';

kitSuite({ describe, it, afterEach });
