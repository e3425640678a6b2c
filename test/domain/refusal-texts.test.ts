import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/domain/machine/machine';
import { Request } from '../../src/domain/request/request';
import { type RequestStatus } from '../../src/domain/request/request-status';
import { parseTags } from '../../src/domain/shared/tags';
import { parseTemplateAttributes } from '../../src/domain/template/template-attributes';
import { parseTemplateDefinition } from '../../src/domain/template/template-definition';
import { ACQUIRE_ID, aMachine, aReturnRequest, aTemplate, anAcquireRequest, spotTemplateInput, templateInput } from './support/builders';
import { ctxAt, T0 } from './support/context';
import { refusal } from './support/given';

/*
 * Every refusal the domain can give, as the caller reads it: the subject, and each issue's path,
 * constraint (the stable name a program matches on) and message (what a person reads to fix it).
 */
function lines(act: () => unknown): string[] {
  const { subject, issues } = refusal(act);
  return issues.map((i) => `${subject} | ${JSON.stringify(i.path)} | ${i.constraint} | ${i.message}`);
}

const ctx = ctxAt();
const past = new Date(T0.getTime() - 1000);

describe('Refusals of the domain', () => {
  it('of a template: subject, path, constraint and message of each problem', () => {
    expect([
      ...lines(() => parseTemplateDefinition(5)),
      ...lines(() => parseTemplateDefinition({ templateId: 'bad id', maxNumber: 10_001, attributes: 5, priceType: 'cheap', vmType: ' ', subnetIds: 's', securityGroupIds: [''], instanceTags: 5, active: 'yes', userData: 5, providerConfig: 5, imageId: '', keyName: ' ', providerApi: 3 })),
      ...lines(() => parseTemplateDefinition(templateInput({ vmType: undefined, vmTypes: {}, subnetIds: ['s-1'], subnetId: 's-2' }))),
      ...lines(() => parseTemplateDefinition(spotTemplateInput({ vmTypes: undefined }))),
      ...lines(() => parseTemplateDefinition(spotTemplateInput({ vmTypes: { ' ': 1, big: 0 } }))),
      ...lines(() => parseTemplateDefinition({ ...templateInput(), ...JSON.parse('{"__proto__":{},"providerConfig":{"maxNumber":1,"__proto__":{}}}') })),
      ...lines(() => parseTemplateDefinition(templateInput({ launchTemplate: { at: new Date(0) }, rootDeviceVolumeSize: 0, iops: 50, percentOnDemand: 101, priority: -1, Priority: 'x', volumeType: 'gp9', allocationStrategy: 'x', fleetRole: 'a\u0000', tagsByKey: { '\uD800': 'x' } }))),
      ...lines(() => aTemplate().update({ templateId: 'Other' } as never, ctx)),
    ]).toMatchInlineSnapshot(`
      [
        "template | "" | isObject | a template must be an object, got an integer",
        "template | "templateId" | isTemplateId | must be 1-64 characters of 0-9 A-Z a-z - _, got a string of 6 characters",
        "template | "maxNumber" | isInt | must be an integer from -1 (unlimited) to 10000, got an integer",
        "template | "attributes" | isObject | must be a map of attribute name to [kind, value], got an integer",
        "template | "priceType" | isIn | must be one of ondemand, spot, heterogeneous, got a string of 5 characters",
        "template | "vmType" | isNotEmpty | must be a non-empty string, got a string of 1 character",
        "template | "subnetIds" | isArray | must be a list of strings, got a string of 1 character",
        "template | "securityGroupIds[0]" | isNotEmpty | must be a non-empty string, got an empty string",
        "template | "instanceTags" | isTags | must be a "k=v;k=v" string or a map of strings, got an integer",
        "template | "active" | isBoolean | must be true or false, got a string of 3 characters",
        "template | "userData" | isString | must be a string, got an integer",
        "template | "providerConfig" | isObject | must be an object, got an integer",
        "template | "imageId" | isNotEmpty | must be a non-empty string, got an empty string",
        "template | "keyName" | isNotEmpty | must be a non-empty string, got a string of 1 character",
        "template | "providerApi" | isNotEmpty | must be a non-empty string, got an integer",
        "template | "vmTypes" | isWeightMap | must map at least one instance type to an integer weight >= 1, got an object with 0 keys",
        "template | "vmType" | required | an ondemand template needs vmType (one instance type) or vmTypes",
        "template | "subnetId" | exclusive | give subnetIds or subnetId, not both",
        "template | "vmTypes" | required | a spot template needs vmTypes (instance type -> weight >= 1)",
        "template | "vmTypes" | isNotEmpty | instance type names must not be empty",
        "template | "vmTypes.big" | isInt | the weight must be an integer >= 1, got an integer",
        "template | "providerConfig.maxNumber" | notProviderKey | maxNumber is a template key; give it at the top level",
        "template | "providerConfig.__proto__" | forbiddenKey | the key "__proto__" is not allowed in input",
        "template | "__proto__" | forbiddenKey | the key "__proto__" is not allowed in input",
        "template | "launchTemplate" | isJson | provider settings must be JSON data, got an object with 1 key",
        "template | "rootDeviceVolumeSize" | isInt | must be an integer from 1 to 16384, got an integer",
        "template | "iops" | isInt | must be an integer from 100 to 64000, got an integer",
        "template | "percentOnDemand" | isInRange | must be a number from 0 to 100, got an integer",
        "template | "priority" | isInt | must be a whole number >= 0 (higher is tried first), got an integer",
        "template | "Priority" | isNumberString | LSF's Priority is a whole number >= 0 written as a string ("10"), got a string of 1 character",
        "template | "volumeType" | isIn | must be one of gp2, gp3, io1, io2, standard, got a string of 3 characters",
        "template | "allocationStrategy" | isIn | must be one of capacityOptimized, capacityOptimizedPrioritized, diversified, lowestPrice, got a string of 1 character",
        "template | "iops" | requiresProvisionedIops | iops applies only with volumeType io1 or io2, not with the volumeType given",
        "template | "providerConfig.fleetRole" | storableText | must not contain NUL (U+0000); found at index 1",
        "template | "providerConfig.tagsByKey.\\ud800" | storableText | its key must be valid Unicode; found a lone surrogate (U+D800) at index 0",
        "template changes | "templateId" | immutable | the id of template "OnDemand-Small" cannot change; create a new template instead",
      ]
    `);
  });

  it('of template attributes and tags', () => {
    expect([
      ...lines(() => parseTemplateAttributes(5)),
      ...lines(() => parseTemplateAttributes({})),
      ...lines(() => parseTemplateAttributes({ type: ['Numeric', '1'], ncpus: ['Numeric', '0'], nram: 'abc', x: Number.POSITIVE_INFINITY, y: ['Text', 'a'], z: ['String', {}], w: ['Numeric', 'x'], b: ['Boolean', '2'], v: true })),
      ...lines(() => parseTemplateAttributes({ type: ['String', ' '], ncpus: 1, nram: 1 })),
      ...lines(() => parseTags(`a\u0000=1;${'k'.repeat(129)}=1;v=${'v'.repeat(257)};n=\u0000;d=1;d=2;bad`)),
      ...lines(() => parseTags({ a: 1 })),
      ...lines(() => parseTags(5)),
    ]).toMatchInlineSnapshot(`
      [
        "template attributes | "attributes" | isObject | must be a map of attribute name to [kind, value], got an integer",
        "template attributes | "attributes.type" | required | the type attribute is required (String)",
        "template attributes | "attributes.ncpus" | required | the ncpus attribute is required (Numeric)",
        "template attributes | "attributes.nram" | required | the nram attribute (Symphony) or mem attribute (LSF) is required (Numeric, MB)",
        "template attributes | "attributes.nram" | isNumeric | nram is Numeric and needs a number, got a string of 3 characters",
        "template attributes | "attributes.x" | isFinite | must be a finite number, got an infinite number",
        "template attributes | "attributes.y" | attributeKind | kind must be "String", "Numeric" or "Boolean", got a string of 4 characters",
        "template attributes | "attributes.z" | attributeValue | value must be a string or a finite number, got an object with 0 keys",
        "template attributes | "attributes.w" | isNumeric | a Numeric attribute needs a number as its value, got a string of 1 character",
        "template attributes | "attributes.b" | isBooleanAttribute | a Boolean attribute's value is "1" (true) or "0" (false), got a string of 1 character",
        "template attributes | "attributes.v" | attributeFormat | must be [kind, value], a string or a number, got a boolean",
        "template attributes | "attributes.type" | attributeKind | type must be String, got Numeric",
        "template attributes | "attributes.ncpus" | isPositive | ncpus must be greater than 0, got a string of 1 character",
        "template attributes | "attributes.type" | isNotEmpty | type must not be empty",
        "tags | "tags.a\\u0000" | storableText | tag keys must not contain NUL (U+0000); found at index 1",
        "tags | "tags.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk" | tagKeyLength | tag keys must be 1-128 characters (Unicode code points), got a string of 129 characters",
        "tags | "tags.v" | tagValueLength | tag values must be at most 256 characters (Unicode code points), got 257",
        "tags | "tags.n" | storableText | tag values must not contain NUL (U+0000); found at index 0",
        "tags | "tags.d" | uniqueTagKey | a tag key is given twice (keys are compared after trimming blanks); keep one",
        "tags | "tags[6]" | tagFormat | each tag must be key=value, got a string of 3 characters",
        "tags | "tags.a" | isString | tag values must be strings, got an integer",
        "tags | "tags" | isTags | must be a "k=v;k=v" string or a map of strings, got an integer",
      ]
    `);
  });

  it('of a request', () => {
    const template = aTemplate();
    const acquired = anAcquireRequest(1);
    expect([
      ...lines(() => Request.createAcquire({ template, requestId: 'x', timeoutSeconds: 0, priority: 1.5, tags: 'bad', idempotencyKey: '', rcAccount: 'a b', userData: [] as never, activeUnits: -1, requestedCount: 0, limits: { maxPerRequest: 0 } }, ctx)),
      ...lines(() => Request.createAcquire({ template, idempotencyKey: 'k\u0000', userData: { A: Number.NaN }, activeUnits: 0, requestedCount: 1 }, ctx)),
      ...lines(() => Request.createAcquire({ template, userData: { '1a': 1 }, activeUnits: 0, requestedCount: 1 }, ctx)),
      ...lines(() => Request.createAcquire({ template, userData: { D: 'y'.repeat(16_400) }, activeUnits: 0, requestedCount: 1 }, ctx)),
      ...lines(() => Request.createReturn({ machineIds: [] }, ctx)),
      ...lines(() => Request.createReturn({ machineIds: ['i-1', 'i-1'] }, ctx)),
      ...lines(() => aReturnRequest(['i-1']).attachMachines(['i-2'], [''], ctx)),
      ...lines(() => acquired.recordTerminationFailures([{ machineId: 'i-9', message: 'x' }], ctx)),
      ...lines(() => acquired.resendTermination(['i-9'], ctx)),
      ...lines(() => acquired.beginRelease(past, ctx)),
      ...lines(() => acquired.confirmRelease([], ctx)),
      ...lines(() => acquired.changeStatus('running' as RequestStatus, 'x', ctx)),
      ...lines(() => acquired.cancel('x\u0000', ctx)),
    ]).toMatchInlineSnapshot(`
      [
        "acquire request | "requestId" | isRequestId | must be \`req-<uuid>\` with a lower-case UUID v4, got a string of 1 character",
        "acquire request | "timeoutSeconds" | isInt | must be an integer from 1 to 86400, got an integer",
        "acquire request | "priority" | isInt | must be an integer, got a fractional number",
        "acquire request | "tags[0]" | tagFormat | each tag must be key=value, got a string of 3 characters",
        "acquire request | "idempotencyKey" | length | must be 1-256 characters, got an empty string",
        "acquire request | "rcAccount" | isAccount | must be a string of 1 to 128 letters, digits or _ . - : / @ + = (the account the machines are charged to), got a string of 3 characters that breaks this rule",
        "acquire request | "userData" | isUserData | must be an object of named values or a string, got an array",
        "acquire request | "requestedCount" | isInt | must be an integer from 1 to 10000, got an integer",
        "acquire request | "activeUnits" | isInt | must be an integer >= 0, got an integer",
        "acquire request | "limits.maxPerRequest" | isInt | must be an integer >= 1, got an integer",
        "acquire request | "idempotencyKey" | storableText | must not contain NUL (U+0000); found at index 1",
        "acquire request | "userData" | isJson | must be JSON data",
        "acquire request | "userData" | isUserDataKey | keys must be names of 1 to 64 letters, digits or _, not starting with a digit (each is exported to the instance as a variable); 1 key(s) break this rule",
        "acquire request | "userData" | maxSize | must be at most 16384 bytes as JSON, got 16408: pass large data by reference (a URL or a file name)",
        "return request | "machineIds" | arrayNotEmpty | a return request must name at least one machine",
        "return request | "machineIds[1]" | unique | machine "i-1" is named twice",
        "attached machines | "machineIds[0]" | fixedAtCreation | return request ret-00000000-0000-4000-8000-000000000001 did not name machine "i-2"; its machines are fixed at creation",
        "attached machines | "resourceIds[0]" | isNotEmpty | must be a non-empty string, got an empty string",
        "termination failures | "" | isReturnRequest | request req-00000000-0000-4000-8000-000000000002 is an acquire request; only return requests terminate machines",
        "termination failures | "failures[0].machineId" | namedByRequest | request req-00000000-0000-4000-8000-000000000002 does not name machine "i-9"",
        "termination re-send | "" | isReturnInProgress | request req-00000000-0000-4000-8000-000000000002 is acquire pending; only a return request in progress re-sends termination",
        "termination re-send | "machineIds[0]" | namedByRequest | request req-00000000-0000-4000-8000-000000000002 does not name machine "i-9"",
        "release | "" | isSettledAcquire | request req-00000000-0000-4000-8000-000000000002 is acquire pending; only an acquire request settled failed or cancelled releases its provision",
        "release | "until" | notBeforeNow | must be a date at or after 2026-01-01T00:00:00.000Z, got a date",
        "release | "" | releaseBegun | request req-00000000-0000-4000-8000-000000000002 has no release to confirm; call beginRelease first",
        "request status | "status" | isRequestStatus | is not a request status: a string of 7 characters",
        "request status reason | "reason" | storableText | must not contain NUL (U+0000); found at index 1",
      ]
    `);
  });

  it('of a machine', () => {
    expect([
      ...lines(() => Machine.create({ machineId: 'i-1', requestId: ACQUIRE_ID, templateId: 'T', status: 'booting' as never, providerApi: '', name: ' ', priceType: 'x' as never, launchTime: 'x', statusReason: 5 as never, privateIpAddress: 'x' }, ctx)),
      ...lines(() => aMachine('running').report({ status: 'x' as never }, ctx)),
    ]).toMatchInlineSnapshot(`
      [
        "machine | "status" | isMachineStatus | is not a machine status: a string of 7 characters",
        "machine | "providerApi" | isNotEmpty | must be a non-empty string, got an empty string",
        "machine | "name" | isNotEmpty | must be a non-empty string or null, got a string of 1 character",
        "machine | "priceType" | isIn | must be ondemand or spot, got a string of 1 character",
        "machine | "privateIpAddress" | isIp | must be an IPv4 or IPv6 address, got a string of 1 character",
        "machine | "launchTime" | isDate | must be a valid date or ISO-8601 text, got a string of 1 character",
        "machine | "statusReason" | isString | must be a string, got an integer",
        "machine report | "status" | isMachineStatus | is not a machine status: a string of 1 character",
      ]
    `);
  });
});
