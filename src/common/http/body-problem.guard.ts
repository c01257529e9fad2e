import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { BODY_PROBLEM, type RequestWithBodyProblem } from './json-body.parser';

/**
 * Answers what the body reader found wrong with the request's body (see readJsonBodiesOnly): a
 * global guard after the API key's and the rate limit's, so the caller is known and allowed
 * before it learns anything about how its body was read.
 */
@Injectable()
export class BodyProblemGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const problem = http.getRequest<RequestWithBodyProblem>()[BODY_PROBLEM];
    if (problem === undefined) return true;
    const reply = http.getResponse<FastifyReply>();
    for (const [name, value] of Object.entries(problem.headers ?? {})) void reply.header(name, value);
    throw problem.error;
  }
}
