import { DeisApiError } from "../../src/sdk/client";

/** Awaits a call that must fail with the given GraphQL code (and field, for bad input); returns the error. */
export async function expectApiError(call: Promise<unknown>, code: string, field?: string): Promise<DeisApiError> {
  let caught: unknown;
  try {
    await call;
  } catch (error) {
    caught = error;
  }
  if (!(caught instanceof DeisApiError)) {
    throw new Error(`expected the API to answer ${code}${field ? ` on ${field}` : ""}, but ${caught ? `got ${String(caught)}` : "it succeeded"}`);
  }
  expect({ code: caught.code, field: field === undefined ? undefined : caught.field }).toEqual({ code, field });
  expect(caught.message).not.toMatch(/\n\s+at /);
  return caught;
}
