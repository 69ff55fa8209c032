import { isInputRequiredResult, ProtocolError, ProtocolErrorCode, type InputRequest, type InputResponses } from '@modelcontextprotocol/client';

/** A server that keeps asking past this many rounds is not converging; the caller gets an error, not an endless dialogue. */
export const MAX_INPUT_ROUNDS = 8;

/** What a retry adds to the original request's params (MCP 2026-07-28 multi round-trip results). */
export interface InputRound {
  inputResponses?: InputResponses;
  requestState?: string;
}

/**
 * Runs one `tools/call`, `prompts/get` or `resources/read` on a 2026-07-28 server to its complete
 * result: each `input_required` answer has its requests answered by `answer` (the calling client,
 * or Berth itself for roots), under the names the server gave them, and the request is sent again
 * with those answers and the server's state, so the caller sees one call whatever era the server speaks.
 */
export async function completeInputRounds<R>(
  send: (round: InputRound) => Promise<unknown>,
  answer: (request: InputRequest, key: string) => Promise<InputResponses[string]>,
  server: string,
): Promise<R> {
  let result = await send({});
  for (let round = 0; round < MAX_INPUT_ROUNDS; round++) {
    if (!isInputRequiredResult(result)) return result as R;
    // All at once, as the server asked them: a 2026-07-28 client gets them in one result.
    const answers = await Promise.all(Object.entries(result.inputRequests ?? {}).map(async ([key, request]) => [key, await answer(request, key)] as const));
    const inputResponses: InputResponses = Object.fromEntries(answers);
    result = await send({ inputResponses, requestState: result.requestState });
  }
  if (!isInputRequiredResult(result)) return result as R;
  throw new ProtocolError(ProtocolErrorCode.InternalError, `server ${server} still asked for more input after ${MAX_INPUT_ROUNDS} rounds; the call was given up`);
}
