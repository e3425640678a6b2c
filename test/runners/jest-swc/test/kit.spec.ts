import { afterEach, describe, it } from '@jest/globals';
import { kitSuite } from '../shared/kit-suite';

kitSuite({ describe, it, afterEach });
