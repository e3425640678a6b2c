// What the hostile-input campaign (and compiled-validation.test.ts) reaches: every name of the root
// and of `./kernel`, plus what no entry point exports but must still survive hostile input: the
// domain's parsers, the paged-query base class and the templates-document reader.
export * from '../../src/index';
export * from '../../src/kernel/index';
export { parseRequestId, parseTemplateId, parseMachineId } from '../../src/domain/shared/ids';
export { parseTags } from '../../src/domain/shared/tags';
export { parseIpAddress } from '../../src/domain/shared/ip-address';
export { parseTemplateAttributes } from '../../src/domain/template/template-attributes';
export { parseTemplateDefinition } from '../../src/domain/template/template-definition';
export { PagedQuery } from '../../src/application/read-models/paged-query';
export { readTemplatesDocument } from '../../src/application/templates/templates-document';
