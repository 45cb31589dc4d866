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
