/**
 * `scripts/validateTemplates.sh`: the operator's check of the provider's templates file, run by hand
 * with the product's variables (docs/installing.md, "Check it by hand"). It finds the file as the
 * provider does, applies its defaults, fills attributes from the catalogue, resolves every indirect
 * image, checks each template against the rules, and prints every effective template with where
 * each value came from (`template`, `provider:<name>`, `providerType:<type>`, `global`, `catalogue`).
 * Writes nothing. Exit 0 when the file is valid, 1 with its `issues` (or `{ "message" }`) otherwise.
 */
import { ValidationError, type ValidationIssue } from 'hostfactory-kernel';
import { parseTemplatesFile, resolveProviderEnvironment, type TextSink } from 'hostfactory-kernel/hostfactory';
import { openTemplateSources, type CloudTemplateSources } from './cloud';
import { runScriptCommand } from './script-command';
import { effectiveTemplates } from './templates-import';

/** Runs the check; never throws. */
export async function runValidateTemplates(env: Readonly<Record<string, string | undefined>>, stdout: TextSink, stderr: TextSink): Promise<number> {
  let sources: CloudTemplateSources | undefined;
  return runScriptCommand('validateTemplates', stdout, stderr, async () => {
    const provider = resolveProviderEnvironment(env);
    sources = await openTemplateSources(provider.name, provider.confDir);
    const report = { provider: { name: provider.name, type: sources.type }, file: '', valid: true, issues: [] as ValidationIssue[], warnings: [] as ValidationIssue[], templates: [] as object[] };
    try {
      const { described, completed } = await effectiveTemplates(provider, sources);
      report.file = described;
      report.warnings = completed.warnings;
      report.templates = completed.document.templates.map((template, index) => ({ templateId: template.templateId ?? null, template, sources: completed.sources[index] ?? {} }));
      parseTemplatesFile(completed.document);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return { document: { ...report, valid: false, issues: [...error.issues] }, failed: true };
    }
    return { document: report };
  }, () => sources?.close());
}
