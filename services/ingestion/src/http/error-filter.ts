import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ApiError, type ErrorBody } from './api-error';

const CODE_OF_STATUS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'body_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

interface FastifyLikeError {
  statusCode?: unknown;
  message?: unknown;
}

/** Fastify's and Nest's request errors (body too large, media type…) in our words. */
function clientError(status: number, message: string, bodyLimit: number): ApiError {
  switch (status) {
    case 413:
      return new ApiError(413, 'body_too_large', `the body is larger than ${bodyLimit} bytes`);
    case 415:
      return new ApiError(
        415,
        'unsupported_media_type',
        'send events as application/json (batches also as application/x-ndjson)',
      );
    default:
      return new ApiError(status, CODE_OF_STATUS[status] ?? 'bad_request', message);
  }
}

export function toApiError(error: unknown, bodyLimit: number): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 400 && status < 500) {
      const response = error.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? String((response as { message: unknown }).message)
          : error.message;
      return clientError(status, message, bodyLimit);
    }
  } else if (error !== null && typeof error === 'object') {
    const { statusCode, message } = error as FastifyLikeError;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return clientError(statusCode, typeof message === 'string' ? message : 'bad request', bodyLimit);
    }
  }
  return new ApiError(500, 'internal', 'internal error; quote the x-request-id header when reporting it');
}

/**
 * Every error answer is `{ error, message, details? }` with the right status. Only unexpected
 * failures (500) are logged, with the request id, never with headers or bodies (keys, data);
 * a 503 is an expected state with its own metric and kafkajs's connection logs.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly bodyLimit: number,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const error = toApiError(exception, this.bodyLimit);
    if (error.status === 500) {
      this.logger.error(
        { err: exception, requestId: request.id, route: request.routeOptions.url },
        'request failed',
      );
    }
    const body: ErrorBody = error.body();
    void reply.status(error.status).headers(error.headers).send(body);
  }
}
