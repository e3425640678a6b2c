import { describe, expect, it } from 'vitest';
import { aliasImageResolver, ImageResolutionError, resolveTemplateImage, type ImageResolver } from '../../src/application/provider/image-resolver';

/** What `work` rejected with; fails the test when it resolved. */
async function rejection(work: Promise<unknown>): Promise<ImageResolutionError> {
  const error = await work.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageResolutionError);
  return error as ImageResolutionError;
}

/** A resolver for SSM-like references (`/...`) answering `answer` for each. */
function answering(answer: () => Promise<unknown>): ImageResolver {
  return { handles: (reference) => reference.startsWith('/'), resolve: () => answer() as Promise<string> };
}

describe('ImageResolutionError', () => {
  it('says what did not resolve and how to fix an unknown reference, naming no template when none is given', () => {
    const error = new ImageResolutionError('alias:centos', 'unknown', 'the alias has no mapping');
    expect(error.code).toBe('IMAGE_UNRESOLVED');
    expect(error.reason).toBe('unknown');
    expect(error.message).toBe('The image reference "alias:centos" did not resolve: the alias has no mapping; correct the reference or define it.');
    expect(error.details).toStrictEqual({ reference: 'alias:centos', reason: 'unknown', why: 'the alias has no mapping', key: 'imageId' });
    expect(Object.keys(error.details)).not.toContain('templateId');
    expect(error.cause).toBeUndefined();
  });

  it('names the template and key, tells to retry an unavailable reference, and keeps the cause', () => {
    const cause = new Error('ThrottlingException: Rate exceeded');
    const error = new ImageResolutionError('/images/rhel9', 'unavailable', 'ThrottlingException: Rate exceeded', { templateId: 't1', cause });
    expect(error.reason).toBe('unavailable');
    expect(error.message).toBe(
      'The image reference "/images/rhel9" (template "t1", key imageId) did not resolve: ThrottlingException: Rate exceeded; retry; the request failed before anything was launched.',
    );
    expect(error.details).toStrictEqual({ reference: '/images/rhel9', reason: 'unavailable', why: 'ThrottlingException: Rate exceeded', key: 'imageId', templateId: 't1' });
    expect(error.cause).toBe(cause);
    expect(error.toJSON().cause).toEqual({ name: 'Error', message: 'ThrottlingException: Rate exceeded' });
  });

  it('quotes at most 200 characters of the reference in its message, and the whole reference in its details', () => {
    const reference = `/images/${'x'.repeat(300)}`;
    const error = new ImageResolutionError(reference, 'unknown', 'the parameter does not exist');
    expect(error.message).toBe(`The image reference "${reference.slice(0, 200)}" did not resolve: the parameter does not exist; correct the reference or define it.`);
    expect(error.details.reference).toBe(reference);
  });
});

describe('aliasImageResolver', () => {
  it('handles only aliases when it has no next resolver', () => {
    const images = aliasImageResolver({ rhel: 'ami-0rhel' });
    expect(images.handles('alias:rhel')).toBe(true);
    expect(images.handles('ami-123')).toBe(false);
    expect(images.handles('/images/rhel9')).toBe(false);
  });

  it('answers an alias\'s mapping as written when it has no next resolver', async () => {
    await expect(aliasImageResolver({ rhel: 'ami-0rhel' }).resolve('alias:rhel')).resolves.toBe('ami-0rhel');
  });

  it('hands a reference that is not an alias to the next resolver', async () => {
    const next = answering(async () => 'ami-0ssm');
    const images = aliasImageResolver({ rhel: 'ami-0rhel' }, next);
    expect(images.handles('/images/rhel9')).toBe(true);
    await expect(images.resolve('/images/rhel9')).resolves.toBe('ami-0ssm');
  });

  it('refuses a reference that is not an alias as unknown when no next resolver handles it', async () => {
    const error = await rejection(aliasImageResolver({ rhel: 'ami-0rhel' }).resolve('/images/rhel9'));
    expect(error.details).toStrictEqual({ reference: '/images/rhel9', reason: 'unknown', why: 'no resolver handles it', key: 'imageId' });
  });

  it('refuses an alias mapped to blank text as having no mapping, listing the aliases defined', async () => {
    const images = aliasImageResolver({ empty: '', blank: '   ', rhel: 'ami-0rhel' });
    for (const reference of ['alias:empty', 'alias:blank']) {
      const error = await rejection(images.resolve(reference));
      expect(error.reason).toBe('unknown');
      expect(error.details.why).toBe('the alias has no mapping (defined: empty, blank, rhel)');
    }
  });

  it('says no alias is defined when the table is empty', async () => {
    const error = await rejection(aliasImageResolver({}).resolve('alias:rhel'));
    expect(error.details.why).toBe('the alias has no mapping (defined: none)');
  });

  it('lists at most the first 20 aliases defined', async () => {
    const aliases = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`a${i}`, `ami-${i}`]));
    const error = await rejection(aliasImageResolver(aliases).resolve('alias:missing'));
    expect(error.details.why).toBe(`the alias has no mapping (defined: ${Array.from({ length: 20 }, (_, i) => `a${i}`).join(', ')})`);
  });
});

describe('resolveTemplateImage', () => {
  const template = { templateId: 't1', imageId: '/images/rhel9' };

  it('passes a template without an image through without asking the resolver', async () => {
    await expect(resolveTemplateImage(aliasImageResolver({ rhel: 'ami-0rhel' }), { templateId: 't1', imageId: null })).resolves.toBeNull();
  });

  it('refuses a resolver\'s blank or missing answer as unknown, naming the template', async () => {
    for (const answer of ['', '   ', undefined, 42]) {
      const error = await rejection(resolveTemplateImage(answering(async () => answer), template));
      expect(error.details).toStrictEqual({ reference: '/images/rhel9', reason: 'unknown', why: 'the resolver answered no image id', key: 'imageId', templateId: 't1' });
    }
  });

  it('rethrows unchanged an IMAGE_UNRESOLVED that already names the template', async () => {
    const own = new ImageResolutionError('/images/rhel9', 'unknown', 'the parameter does not exist', { templateId: 't1' });
    const error = await rejection(resolveTemplateImage(answering(() => Promise.reject(own)), template));
    expect(error).toBe(own);
  });

  it('names the template on an IMAGE_UNRESOLVED that does not, keeping its reason and why', async () => {
    const bare = new ImageResolutionError('/images/rhel9', 'unknown', 'the parameter does not exist');
    const error = await rejection(resolveTemplateImage(answering(() => Promise.reject(bare)), template));
    expect(error).not.toBe(bare);
    expect(error.cause).toBe(bare);
    expect(error.details).toStrictEqual({ reference: '/images/rhel9', reason: 'unknown', why: 'the parameter does not exist', key: 'imageId', templateId: 't1' });
  });

  it('keeps at most 500 characters of a failing resolver\'s message', async () => {
    const message = `ThrottlingException: ${'x'.repeat(600)}`;
    const error = await rejection(resolveTemplateImage(answering(() => Promise.reject(new Error(message))), template));
    expect(error.reason).toBe('unavailable');
    expect(error.details.why).toBe(message.slice(0, 500));
  });
});
