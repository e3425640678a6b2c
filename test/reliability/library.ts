// Every name of the library's internal barrels, so the hostile-input campaign can reach parsers
// that are not part of the public entry points.
export * from '../../src/kernel/index';
export * from '../../src/domain/index';
export * from '../../src/application/index';
