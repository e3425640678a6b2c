import {
  CreateLaunchTemplateCommand,
  DeleteLaunchTemplateCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type Filter,
  type LaunchTemplate,
  type RequestLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import { ec2Call, ec2ErrorCode } from './errors';
import type { LaunchSettings } from './launch-settings';
import { clientToken, REQUEST_TAG, tagList, tagMap } from './tags';

/** The launch template the adapter makes for one request's fleet. */
export function launchTemplateName(requestId: string): string {
  return `hostfactory-${requestId}`;
}

/**
 * Creates the request's own launch template (idempotent: an existing one of that name is reused):
 * the user's `launchTemplateId` data when given, the template's image, key, security groups, user
 * data and root volume over it, and the request's tags on every instance and volume it launches
 * (and on the launch template itself, so IAM can limit its deletion to the adapter's own).
 */
export async function ensureLaunchTemplate(client: EC2Client, settings: LaunchSettings, requestId: string, tags: Record<string, string>): Promise<string> {
  const name = launchTemplateName(requestId);
  const base = settings.launchTemplate === null ? {} : await userTemplateData(client, settings.launchTemplate);
  const data: RequestLaunchTemplateData = {
    ...base,
    ...(settings.imageId === null ? {} : { ImageId: settings.imageId }),
    ...(settings.keyName === null ? {} : { KeyName: settings.keyName }),
    ...(settings.securityGroupIds.length === 0 ? {} : { SecurityGroupIds: [...settings.securityGroupIds] }),
    ...(settings.userData === null ? {} : { UserData: settings.userData }),
    ...(await rootVolume(client, settings)),
    TagSpecifications: [
      ...(base.TagSpecifications ?? []).filter((t) => t.ResourceType !== 'instance' && t.ResourceType !== 'volume'),
      { ResourceType: 'instance', Tags: tagList(tags) },
      { ResourceType: 'volume', Tags: tagList(tags) },
    ],
  };
  try {
    await ec2Call(`CreateLaunchTemplate ${name}`, () =>
      client.send(new CreateLaunchTemplateCommand({
        LaunchTemplateName: name,
        LaunchTemplateData: data,
        ClientToken: clientToken(requestId, 'CreateLaunchTemplate'),
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: tagList(tags) }],
      })),
    );
  } catch (error) {
    if (ec2ErrorCode((error as { cause?: unknown }).cause) !== 'InvalidLaunchTemplateName.AlreadyExistsException') throw error;
  }
  return name;
}

async function userTemplateData(client: EC2Client, template: { id: string; version: string }): Promise<RequestLaunchTemplateData> {
  const answer = await ec2Call(`DescribeLaunchTemplateVersions ${template.id}`, () =>
    client.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: template.id, Versions: [template.version] })),
  );
  // The response shape mirrors the request shape for every field a launch needs.
  return (answer.LaunchTemplateVersions?.[0]?.LaunchTemplateData ?? {}) as RequestLaunchTemplateData;
}

/** The root volume mapping: the AMI's root device name, the template's size, type and IOPS. */
export async function rootVolume(client: EC2Client, settings: LaunchSettings): Promise<Pick<RequestLaunchTemplateData, 'BlockDeviceMappings'>> {
  if (settings.rootVolume === null || settings.imageId === null) return {};
  const images = await ec2Call(`DescribeImages ${settings.imageId}`, () => client.send(new DescribeImagesCommand({ ImageIds: [settings.imageId!] })));
  const device = images.Images?.[0]?.RootDeviceName ?? '/dev/xvda';
  const { size, type, iops } = settings.rootVolume;
  return {
    BlockDeviceMappings: [{
      DeviceName: device,
      Ebs: { VolumeSize: size, DeleteOnTermination: true, ...(type === null ? {} : { VolumeType: type as 'gp3' }), ...(iops === null ? {} : { Iops: iops }) },
    }],
  };
}

/**
 * Deletes every launch template the adapter made for the request: those tagged with it (a template
 * whose fleet was never created, because the process died in between, is found this way) and the one
 * of its derived name. Templates already gone are fine. Returns the ids deleted.
 */
export async function deleteRequestLaunchTemplates(client: EC2Client, requestId: string, pageSize: number): Promise<string[]> {
  const name = launchTemplateName(requestId);
  const byTag = await findLaunchTemplates(client, { Name: `tag:${REQUEST_TAG}`, Values: [requestId] }, pageSize);
  const byName = await findLaunchTemplates(client, { Name: 'launch-template-name', Values: [name] }, pageSize);
  // Checked again here: an emulator that ignores a filter must not hand us other requests' templates.
  const ours = [...byTag.filter((t) => tagMap(t.Tags)[REQUEST_TAG] === requestId), ...byName.filter((t) => t.LaunchTemplateName === name)];
  const deleted: string[] = [];
  for (const id of new Set(ours.map((t) => t.LaunchTemplateId!))) {
    try {
      await ec2Call(`DeleteLaunchTemplate ${id}`, () => client.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: id })));
      deleted.push(id);
    } catch (error) {
      const code = ec2ErrorCode((error as { cause?: unknown }).cause);
      if (code !== 'InvalidLaunchTemplateId.NotFound' && code !== 'InvalidLaunchTemplateName.NotFoundException') throw error;
    }
  }
  return deleted;
}

/** Launch templates matching one filter, page by page (a filter matching nothing is an empty list, not an error). */
async function findLaunchTemplates(client: EC2Client, filter: Filter, pageSize: number): Promise<LaunchTemplate[]> {
  const found: LaunchTemplate[] = [];
  let token: string | undefined;
  do {
    const page = await ec2Call('DescribeLaunchTemplates', () => client.send(new DescribeLaunchTemplatesCommand({ Filters: [filter], MaxResults: pageSize, NextToken: token })));
    found.push(...(page.LaunchTemplates ?? []));
    token = page.NextToken || undefined;
  } while (token !== undefined);
  return found;
}
