import { ContractError, ResizeRequestError, ResizeResponseError } from '@preview-lambda/contract';
import { describe, expect, it } from 'vitest';

describe('Class: ContractError', () => {
  it('carries its code, message, cause and the subclass name', () => {
    const cause = new Error('root cause');
    const error = new ContractError('INVALID_REQUEST', 'went wrong', { cause });

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ContractError');
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toBe('went wrong');
    expect(error.cause).toBe(cause);
  });

  it('has no cause property when none is given', () => {
    expect(Object.hasOwn(new ContractError('INVALID_RESPONSE', 'y'), 'cause')).toBe(false);
  });
});

describe('Class: ResizeRequestError', () => {
  it('joins its issues with "; " and has code INVALID_REQUEST', () => {
    const error = new ResizeRequestError(['first problem', 'second problem']);

    expect(error).toBeInstanceOf(ContractError);
    expect(error.name).toBe('ResizeRequestError');
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toBe('first problem; second problem');
    expect(error.issues).toEqual(['first problem', 'second problem']);
  });

  it('keeps a frozen copy of the issues', () => {
    const issues = ['a problem'];
    const error = new ResizeRequestError(issues);
    issues.push('added later');

    expect(error.issues).toEqual(['a problem']);
    expect(Object.isFrozen(error.issues)).toBe(true);
  });
});

describe('Class: ResizeResponseError', () => {
  it('joins its issues with "; " and has code INVALID_RESPONSE', () => {
    const error = new ResizeResponseError(['bad status', 'bad data']);

    expect(error).toBeInstanceOf(ContractError);
    expect(error).not.toBeInstanceOf(ResizeRequestError);
    expect(error.name).toBe('ResizeResponseError');
    expect(error.code).toBe('INVALID_RESPONSE');
    expect(error.message).toBe('bad status; bad data');
    expect(error.issues).toEqual(['bad status', 'bad data']);
  });
});
