// The identity of an inbound message for deduplication and the turn journal:
// `platform:chat_id:message_id`, each part with `%` and `:` percent-encoded so that no two
// messages share a key (chat "a:b" with message "c" against chat "a" with message "b:c"). Parts
// without either character, nearly all of them, are as they were before the encoding existed,
// so keys recorded by earlier versions still match.

function part(text: string): string {
  return text.includes(":") || text.includes("%")
    ? text.replaceAll("%", "%25").replaceAll(":", "%3A")
    : text;
}

export function messageKey(platform: string, chatId: string, messageId: string): string {
  return `${part(platform)}:${part(chatId)}:${part(messageId)}`;
}

/** How a journal holds a key: its state, or null when it holds none (TurnJournal.state). */
interface KeyStates {
  state(key: string): unknown;
}

/**
 * Whether `journal` holds the message of `key` (made by messageKey from these parts), also under
 * the key an earlier version recorded it by: `platform:chat:id` without the encoding. A turn it
 * left open, or a message it answered, is then not answered again after the upgrade. Only keys
 * the encoding changed (they hold `%`) are looked up twice.
 */
export function journalHolds(
  journal: KeyStates,
  key: string,
  platform: string,
  chatId: string,
  messageId: string,
): boolean {
  if (journal.state(key) !== null) return true;
  return key.includes("%") && journal.state(`${platform}:${chatId}:${messageId}`) !== null;
}
