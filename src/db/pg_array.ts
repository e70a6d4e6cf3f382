/**
 * Parses PostgreSQL's text form of an array ("{1,NULL,"a \"b\""}", "[0:1]={{1,2},{3,4}}").
 * Unquoted NULL is SQL NULL; a quoted "NULL" is the text NULL.
 */
export function parsePgArray<T>(
  text: string,
  parseElement: (raw: string) => T,
  delimiter = ",",
): (T | null | unknown[])[] {
  let i = 0;
  if (text[0] === "[") i = text.indexOf("=") + 1; // explicit lower bounds: "[0:1]={...}"

  const parseLevel = (): (T | null | unknown[])[] => {
    const out: (T | null | unknown[])[] = [];
    if (text[i] !== "{") throw new Error(`Cannot parse the array: "{" expected at ${i}`);
    i++;
    if (text[i] === "}") {
      i++;
      return out;
    }
    while (i < text.length) {
      if (text[i] === "{") {
        out.push(parseLevel());
      } else if (text[i] === '"') {
        i++;
        let value = "";
        while (i < text.length && text[i] !== '"') {
          if (text[i] === "\\") i++;
          value += text[i];
          i++;
        }
        i++; // the closing quote
        out.push(parseElement(value));
      } else {
        const start = i;
        while (i < text.length && text[i] !== delimiter && text[i] !== "}") i++;
        const raw = text.slice(start, i).trim();
        out.push(raw === "NULL" ? null : parseElement(raw));
      }
      if (text[i] === delimiter) {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return out;
      }
      throw new Error(`Cannot parse the array: unexpected "${text[i] ?? "end"}" at ${i}`);
    }
    throw new Error("Cannot parse the array: it is not closed");
  };
  return parseLevel();
}
