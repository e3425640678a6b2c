import type { Request } from '../../domain/request/request';
import { fromPlain } from '../read-models/dto';
import { RequestDto } from '../read-models/request.dto';

/** The DTO of a request aggregate (as the command that changed it sees it). */
export function requestDtoOf(request: Request): RequestDto {
  return fromPlain(RequestDto, { ...request.toSnapshot(), deadline: request.deadline.toISOString() });
}
