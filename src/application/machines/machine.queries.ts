import { IsIn, IsOptional, IsString, MinLength } from 'class-validator';
import { MACHINE_STATUSES, type MachineStatus } from '../../domain/machine/machine-status';
import { Query } from '../../kernel';
import type { MachineDto } from '../read-models/machine.dto';
import { PagedQuery } from '../read-models/paged-query';
import { StorableText } from '../storable-text';

/** One machine (`MACHINE_NOT_FOUND` if there is none). */
export class GetMachine extends Query<MachineDto> {
  @IsString()
  @MinLength(1)
  @StorableText()
  machineId!: string;
}

/** Machines, newest first, filtered by request, template and status. */
export class ListMachines extends PagedQuery<MachineDto> {
  @IsOptional()
  @IsString()
  @StorableText()
  requestId?: string;

  @IsOptional()
  @IsString()
  @StorableText()
  templateId?: string;

  @IsOptional()
  @IsIn(MACHINE_STATUSES)
  status?: MachineStatus;
}
