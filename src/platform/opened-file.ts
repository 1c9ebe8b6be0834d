import { once } from 'node:events';
import type { ReadStream, WriteStream } from 'node:fs';

/** A file a command was given that it cannot open, said in words: `cannot read FILE: no such file`. */
export class FileAccessError extends Error {}

type Access = 'read' | 'write';

function reasonInWords(error: NodeJS.ErrnoException, access: Access): string {
  switch (error.code) {
    case 'ENOENT':
      // Writing creates the file: what is missing is a directory of its path.
      return access === 'read' ? 'no such file' : 'no such directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of its path is not a directory';
    default:
      return error.message;
  }
}

/**
 * The stream once its file is open. A file that cannot be opened fails here, naming `file` (what the operator
 * gave, when the stream writes beside it), not later as an unhandled 'error' (pipe forwards none).
 */
export async function opened<Stream extends ReadStream | WriteStream>(stream: Stream, access: Access, file: string): Promise<Stream> {
  try {
    await once(stream, 'open');
    return stream;
  } catch (error) {
    throw new FileAccessError(`cannot ${access} ${file}: ${reasonInWords(error as NodeJS.ErrnoException, access)}`, { cause: error });
  }
}
