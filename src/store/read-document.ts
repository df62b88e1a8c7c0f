import { StorageError } from '../domain/errors.js';
import { parseDocument, type RawDocument } from './file-format.js';
import { JournalFile } from './journal-file.js';
import { parseJournal } from './journal-format.js';
import { continuing, mergeJournal } from './journal-replay.js';

/**
 * The data file's text as a store would see it: the document with its journal replayed. For tools
 * that inspect the file without opening a store (doctor); the data file alone can lag behind the
 * journal while a store runs. Throws StorageError, naming the file, when either is unusable.
 */
export function mergedDocument(text: string, journal: Buffer | undefined, file: string): RawDocument {
  const doc = parseDocument(text, file);
  if (!journal) return doc;
  const path = `${file}.journal`;
  const entries = continuing(parseJournal(journal, path, doc.epoch).entries, doc.generation);
  if (!entries) throw new StorageError(`journal ${path} does not continue the data file ${file} (at generation ${doc.generation})`, 'storage_corrupt');
  return mergeJournal(doc, entries);
}

/** Reads the journal beside `file` (undefined when there is none) for `mergedDocument`. */
export async function readJournal(file: string): Promise<Buffer | undefined> {
  return (await new JournalFile(`${file}.journal`, false).read(0))?.buf;
}
